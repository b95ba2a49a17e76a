package io.facelive;

import java.lang.ref.Cleaner;

/**
 * The JNI entry points (bindings/java/jni/) and the library loader. The native library is
 * {@code libfacelive_jni}: from the system property {@code facelive.jni} (a full path) when set,
 * else from {@code java.library.path} (an Android app's own .so folder).
 */
final class Native {
    /** Frees native objects whose Java owner was forgotten without close(). */
    static final Cleaner CLEANER = Cleaner.create();

    static {
        String path = System.getProperty("facelive.jni");
        if (path != null && !path.isEmpty()) {
            System.load(path);
        } else {
            System.loadLibrary("facelive_jni");
        }
    }

    private Native() {}

    static native long engineCreate(String modelsDir, String modelListPath);

    static native long engineCreateFromMemory(String[] names, Object[] blobs, String modelListText);

    static native void engineFree(long engine);

    static native long sessionCreate(long engine, int[] actions, float lightPatienceS, boolean mirrored,
                                     float actionTimeoutS, float totalTimeoutS);

    static native void sessionFree(long session);

    /** One buffer: NV21 (rgba false) or RGBA. */
    static native String sessionPushPacked(long session, Object data, boolean rgba, int width, int height,
                                           int rowStride, int rotation, long timestampNanos, int[] state);

    static native String sessionPushYuv(long session, Object y, Object u, Object v, int width, int height,
                                        int yRowStride, int uvRowStride, int uvPixelStride, int rotation,
                                        long timestampNanos, int[] state);

    static native void sessionAddDropped(long session, int n);

    static native String sessionResult(long session, int[] ints, double[] doubles, int[] state);

    static native int[] challengeRandom(int n);

    /** The library's name of a value: kind 0 action, 1 quality reason, 2 failure, 3 outcome, 4 decision, 5 status. */
    static native String name(int kind, int value);
}
