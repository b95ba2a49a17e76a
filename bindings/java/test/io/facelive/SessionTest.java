package io.facelive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.facelive.examples.ClipFrames;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A session over the real head-turn clip fed as a phone delivers it (NV21, turned 90 degrees). */
class SessionTest {
    static FaceLive engine;

    @BeforeAll
    static void load() {
        engine = FaceLive.fromDirectory(Clips.models());
    }

    @AfterAll
    static void free() {
        engine.close();
    }

    @Test
    void theRealClipPassesItsChallenge() {
        try (LivenessSession s = engine.newSession(Challenge.parse("turn_left,turn_right"))) {
            SessionState first = s.push(Clips.real().get(0).frame());
            assertTrue(first.prompt.length() > 0, "a prompt for the user: " + first);
            SessionResult r = Clips.run(s, Clips.real());
            assertTrue(r.passed(), "the real clip passes: " + r);
            assertEquals(Decision.REAL, r.decision);
            assertTrue(r.silentScore >= r.threshold && r.silentFramesUsed >= 3, "silent verdict on its frames: " + r);
        }
    }

    @Test
    void theMonitorReplayFails() {
        try (LivenessSession s = engine.newSession(Challenge.parse("turn_left,turn_right"))) {
            SessionResult r = Clips.run(s, Clips.fake());
            assertFalse(r.passed(), "the replay does not pass: " + r);
            assertEquals(Decision.SPOOF, r.decision, "the replay is judged spoof: " + r);
        }
    }

    @Test
    void theOtherOrderIsNotPassed() {
        try (LivenessSession s = engine.newSession(Challenge.parse("turn_right,turn_left"))) {
            SessionResult r = Clips.run(s, Clips.real());
            assertFalse(r.passed(), "the clip turns left first: " + r);
            assertNotEquals(Decision.REAL, r.decision);
        }
    }

    @Test
    void modelsFromMemoryJudgeAsModelsFromFiles() throws Exception {
        Map<String, Object> models = new HashMap<>();
        for (String f : new String[] {"yunet_n_dynamic.onnx", "facemesh_468.onnx"}) {
            models.put(f, Files.readAllBytes(Path.of(Clips.models(), f))); // byte arrays
        }
        for (String f : new String[] {"minifasnet_v2_2.7_80x80.onnx", "sf_apk_v1se_4.0_80x80.onnx"}) { // the default list
            byte[] b = Files.readAllBytes(Path.of(Clips.models(), f));
            models.put(f, ByteBuffer.allocateDirect(b.length).put(b).flip()); // direct buffers, read in place
        }
        try (FaceLive mem = FaceLive.fromMemory(models, null);
             LivenessSession a = mem.newSession(Challenge.parse("turn_left,turn_right"));
             LivenessSession b = engine.newSession(Challenge.parse("turn_left,turn_right"))) {
            for (ClipFrames.Nv21 f : Clips.real().subList(0, 40)) {
                assertEquals(b.push(f.frame()).toString(), a.push(f.frame()).toString());
            }
        }
    }

    @Test
    void framesAsYuvPlanesGiveNv21sStates() {
        try (LivenessSession nv = engine.newSession(Challenge.parse("turn_left,turn_right"));
             LivenessSession yuv = engine.newSession(Challenge.parse("turn_left,turn_right"))) {
            for (ClipFrames.Nv21 f : Clips.real().subList(0, 40)) {
                // the NV21 memory seen as CameraX's three planes: U one byte after V, pixel stride 2
                ByteBuffer all = f.data.duplicate();
                int ySize = f.width * f.height;
                ByteBuffer y = all.duplicate().limit(ySize).slice();
                ByteBuffer v = all.duplicate().position(ySize).slice();
                ByteBuffer u = all.duplicate().position(ySize + 1).slice();
                Frame planes = Frame.yuv420(y, u, v, f.width, f.height, f.width, f.width, 2, 90, f.timestampNanos);
                assertEquals(nv.push(f.frame()).toString(), yuv.push(planes).toString());
            }
        }
    }

    @Test
    void theRealClipAsRgbaPasses() throws Exception {
        try (LivenessSession s = engine.newSession(Challenge.parse("turn_left,turn_right"))) {
            for (ClipFrames.Nv21 f : Clips.real()) {
                if (s.push(f.rgbaFrame()).finished()) {
                    break;
                }
            }
            SessionResult r = s.result();
            assertTrue(r.passed(), "the real clip as RGBA frames passes: " + r);
        }
    }

    @Test
    void enumsAreTheLibrarys() {
        for (Action a : Action.values()) {
            assertEquals(Native.name(0, a.ordinal()), a.id());
        }
        for (QualityReason q : QualityReason.values()) {
            assertEquals(Native.name(1, q.ordinal()), q.name().toLowerCase());
        }
        for (Failure f : Failure.values()) {
            assertEquals(Native.name(2, f.ordinal()), f.name().toLowerCase());
        }
        for (Outcome o : Outcome.values()) {
            assertEquals(Native.name(3, o.ordinal()), o.name().toLowerCase());
        }
        for (Decision d : Decision.values()) {
            assertEquals(Native.name(4, d.ordinal()), d.name().toLowerCase());
        }
        for (Status s : Status.values()) {
            if (s != Status.UNKNOWN) {
                assertEquals(Native.name(5, s.code), s == Status.OK ? "FL_OK" : "FL_E_" + s.name());
            }
        }
        // the library has no more of each than Java knows (past the end: the library's "unknown" name)
        assertEquals("unknown", Native.name(0, Action.values().length));
        assertEquals("unknown", Native.name(1, QualityReason.values().length));
        assertEquals("unknown", Native.name(2, Failure.values().length));
        assertEquals("unknown", Native.name(3, Outcome.values().length));
        assertEquals("unknown", Native.name(4, Decision.values().length));
        Challenge c = Challenge.random(4);
        assertEquals(4, c.actions().size());
    }
}
