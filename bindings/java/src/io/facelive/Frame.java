package io.facelive;

import java.nio.ByteBuffer;

/**
 * One camera frame, described where it lies: NV21 (Android's camera preview), YUV_420_888 planes
 * with their row and pixel strides (CameraX's ImageProxy), or RGBA. Direct ByteBuffers are read in
 * place by the native code (from their position), byte arrays without a Java copy. rotation is the
 * clockwise rotation that makes the picture upright (0, 90, 180, 270: ImageInfo.getRotationDegrees());
 * the timestamp is in nanoseconds and must not go backwards within a session. The buffers must
 * stay unchanged until the frame has been pushed.
 */
public final class Frame {
    enum Kind { NV21, YUV, RGBA }

    final Kind kind;
    final Object data;
    final Object u;
    final Object v;
    final int width;
    final int height;
    final int rowStride;
    final int uvRowStride;
    final int uvPixelStride;
    final int rotation;
    final long timestampNanos;

    private Frame(Kind kind, Object data, Object u, Object v, int width, int height, int rowStride, int uvRowStride,
                  int uvPixelStride, int rotation, long timestampNanos) {
        if (width < 2 || height < 2) {
            throw new IllegalArgumentException("frame size " + width + "x" + height + " (2 pixels a side at least)");
        }
        if (rotation != 0 && rotation != 90 && rotation != 180 && rotation != 270) {
            throw new IllegalArgumentException("rotation " + rotation + " (0, 90, 180 or 270)");
        }
        this.kind = kind;
        this.data = at(data);
        this.u = at(u);
        this.v = at(v);
        this.width = width;
        this.height = height;
        this.rowStride = rowStride;
        this.uvRowStride = uvRowStride;
        this.uvPixelStride = uvPixelStride;
        this.rotation = rotation;
        this.timestampNanos = timestampNanos;
    }

    /** A ByteBuffer from its position (a slice shares the memory: no copy). */
    private static Object at(Object o) {
        return o instanceof ByteBuffer ? ((ByteBuffer) o).slice() : o;
    }

    /** NV21 in a byte array: the Y rows (rowStride bytes each), then the interleaved V,U rows. */
    public static Frame nv21(byte[] data, int width, int height, int rowStride, int rotation, long timestampNanos) {
        return new Frame(Kind.NV21, data, null, null, width, height, rowStride, 0, 0, rotation, timestampNanos);
    }

    /** NV21 in a direct ByteBuffer, read in place. */
    public static Frame nv21(ByteBuffer data, int width, int height, int rowStride, int rotation,
                             long timestampNanos) {
        return new Frame(Kind.NV21, data, null, null, width, height, rowStride, 0, 0, rotation, timestampNanos);
    }

    /**
     * YUV_420_888 as CameraX hands it over: ImageProxy.getPlanes()[0..2].getBuffer() (direct buffers),
     * the Y plane's row stride, and the chroma planes' row and pixel strides.
     */
    public static Frame yuv420(ByteBuffer y, ByteBuffer u, ByteBuffer v, int width, int height, int yRowStride,
                               int uvRowStride, int uvPixelStride, int rotation, long timestampNanos) {
        return new Frame(Kind.YUV, y, u, v, width, height, yRowStride, uvRowStride, uvPixelStride, rotation,
                         timestampNanos);
    }

    /** RGBA, 4 bytes a pixel (alpha ignored), rows of rowStride bytes. */
    public static Frame rgba(ByteBuffer data, int width, int height, int rowStride, int rotation,
                             long timestampNanos) {
        return new Frame(Kind.RGBA, data, null, null, width, height, rowStride, 0, 0, rotation, timestampNanos);
    }

    public static Frame rgba(byte[] data, int width, int height, int rowStride, int rotation, long timestampNanos) {
        return new Frame(Kind.RGBA, data, null, null, width, height, rowStride, 0, 0, rotation, timestampNanos);
    }

    public long timestampNanos() {
        return timestampNanos;
    }
}
