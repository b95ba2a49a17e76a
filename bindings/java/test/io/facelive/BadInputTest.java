package io.facelive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad buffers, strides and models: an exception naming the problem, never a crash. */
class BadInputTest {
    static FaceLive engine;
    static LivenessSession session;

    @BeforeAll
    static void load() {
        engine = FaceLive.fromDirectory(Clips.models());
        session = engine.newSession(Challenge.of(Action.BLINK));
    }

    @AfterAll
    static void free() {
        session.close();
        engine.close();
    }

    static FaceLiveException fails(Frame f) {
        return assertThrows(FaceLiveException.class, () -> session.push(f));
    }

    @Test
    void shortBuffers() {
        FaceLiveException e = fails(Frame.nv21(new byte[640 * 480], 640, 480, 640, 0, 1));
        assertEquals(Status.BUFFER_TOO_SMALL, e.status(), e.getMessage());
        assertTrue(e.getMessage().contains("460800"), e.getMessage());
        e = fails(Frame.nv21(ByteBuffer.allocateDirect(100), 640, 480, 640, 0, 2));
        assertEquals(Status.BUFFER_TOO_SMALL, e.status());
        e = fails(Frame.rgba(new byte[640 * 4 * 479], 640, 480, 640 * 4, 0, 3));
        assertEquals(Status.BUFFER_TOO_SMALL, e.status());
        ByteBuffer y = ByteBuffer.allocateDirect(640 * 480), uv = ByteBuffer.allocateDirect(100);
        e = fails(Frame.yuv420(y, uv, uv, 640, 480, 640, 640, 2, 0, 4));
        assertEquals(Status.BUFFER_TOO_SMALL, e.status());
        assertTrue(e.getMessage().contains("u plane"), e.getMessage());
    }

    @Test
    void wrongStrides() {
        FaceLiveException e = fails(Frame.nv21(new byte[640 * 720], 640, 480, 600, 0, 5));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        assertTrue(e.getMessage().contains("row stride 600"), e.getMessage());
        e = fails(Frame.rgba(new byte[640 * 480 * 4], 640, 480, 640, 0, 6)); // stride counted in pixels, not bytes
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        ByteBuffer y = ByteBuffer.allocateDirect(640 * 480), uv = ByteBuffer.allocateDirect(640 * 240);
        e = fails(Frame.yuv420(y, uv, uv, 640, 480, 640, 640, 0, 0, 7));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        e = fails(Frame.nv21(new byte[641 * 481 * 2], 641, 481, 641, 0, 8)); // odd size
        assertEquals(Status.INVALID_ARGUMENT, e.status());
    }

    @Test
    void wrongKindsOfBuffer() {
        FaceLiveException e = fails(Frame.nv21(ByteBuffer.allocate(640 * 720), 640, 480, 640, 0, 9));
        assertTrue(e.getMessage().contains("direct ByteBuffer"), e.getMessage());
        ByteBuffer heap = ByteBuffer.allocate(640 * 480), direct = ByteBuffer.allocateDirect(640 * 480);
        e = fails(Frame.yuv420(direct, heap, direct, 640, 480, 640, 640, 2, 0, 10));
        assertTrue(e.getMessage().contains("u plane"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Frame.nv21(new byte[10], 640, 480, 640, 45, 11));
        assertThrows(IllegalArgumentException.class, () -> Frame.nv21(new byte[10], 0, 480, 640, 0, 12));
    }

    @Test
    void timeGoingBackwards() {
        try (LivenessSession s = engine.newSession(Challenge.of(Action.BLINK))) {
            s.push(Clips.real().get(1).frame());
            FaceLiveException e = assertThrows(FaceLiveException.class, () -> s.push(Clips.real().get(0).frame()));
            assertEquals(Status.INVALID_ARGUMENT, e.status());
            assertTrue(e.getMessage().contains("backwards"), e.getMessage());
        }
    }

    @Test
    void badModels() {
        FaceLiveException e = assertThrows(FaceLiveException.class, () -> FaceLive.fromDirectory("/nonexistent"));
        assertEquals(Status.IO, e.status(), e.getMessage());
        e = assertThrows(FaceLiveException.class,
                         () -> FaceLive.fromMemory(Map.of("yunet_n_dynamic.onnx", new byte[] {1, 2, 3}), null));
        assertTrue(e.code() < 0, e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FaceLive.fromMemory(Map.of("x.onnx", "text"), null));
        assertThrows(IllegalArgumentException.class, () -> Challenge.parse("turn_left,jump"));
        assertThrows(IllegalArgumentException.class, () -> Challenge.of());
    }
}
