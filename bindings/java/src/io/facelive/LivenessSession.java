package io.facelive;

import java.lang.ref.Cleaner;

/**
 * One liveness attempt: push the camera's frames in order, show {@link SessionState#prompt}, and
 * read the {@link #result()} when the state is finished. The server's verdict on the same frames is
 * the one that counts ({@link io.facelive.client.LivenessClient}). Calls are serialised (one
 * thread at a time is served); use a {@link FrameWorker} to keep the camera thread from waiting.
 */
public final class LivenessSession implements AutoCloseable {
    /** Session settings; the defaults are the library's. */
    public static final class Options {
        /** Seconds the attempt asks for better light before it goes on with the light there is; negative: wait. */
        public float lightPatienceSeconds = 3.0f;
        /** Frames are mirrored (a selfie preview): left and right swap. */
        public boolean mirrored;
        /** Seconds for each action, and for the whole attempt. */
        public float actionTimeoutSeconds = 8.0f;
        public float totalTimeoutSeconds = 40.0f;
    }

    private static final class State implements Runnable {
        final long handle;
        final FaceLive.Engine engine;

        State(long handle, FaceLive.Engine engine) {
            this.handle = handle;
            this.engine = engine;
        }

        @Override
        public void run() {
            Native.sessionFree(handle);
            engine.run(); // this session no longer needs the engine
        }
    }

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final Challenge challenge;
    private boolean closed;

    LivenessSession(FaceLive.Engine engine, Challenge challenge, Options options) {
        if (challenge == null || options == null) {
            throw new IllegalArgumentException("challenge or options is null");
        }
        long handle = Native.sessionCreate(engine.handle, challenge.codes(), options.lightPatienceSeconds,
                                           options.mirrored, options.actionTimeoutSeconds, options.totalTimeoutSeconds);
        this.state = new State(handle, engine);
        this.cleanable = Native.CLEANER.register(this, state);
        this.challenge = challenge;
    }

    public Challenge challenge() {
        return challenge;
    }

    /** Analyses one frame and advances the attempt. */
    public synchronized SessionState push(Frame f) {
        long h = handle();
        int[] s = new int[8];
        String prompt;
        if (f.kind == Frame.Kind.YUV) {
            prompt = Native.sessionPushYuv(h, f.data, f.u, f.v, f.width, f.height, f.rowStride, f.uvRowStride,
                                           f.uvPixelStride, f.rotation, f.timestampNanos, s);
        } else {
            prompt = Native.sessionPushPacked(h, f.data, f.kind == Frame.Kind.RGBA, f.width, f.height, f.rowStride,
                                              f.rotation, f.timestampNanos, s);
        }
        return new SessionState(s, prompt);
    }

    /** The answer so far; once the actions are done it runs the silent check on the best frames (once). */
    public synchronized SessionResult result() {
        int[] i = new int[8];
        double[] d = new double[2];
        int[] s = new int[8];
        String prompt = Native.sessionResult(handle(), i, d, s);
        return new SessionResult(i, d, new SessionState(s, prompt));
    }

    /** Counts frames the app dropped (a busy analysis), so the state reports them. */
    public synchronized void addDropped(int n) {
        Native.sessionAddDropped(handle(), n);
    }

    private long handle() {
        if (closed) {
            throw new IllegalStateException("LivenessSession is closed");
        }
        return state.handle;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            cleanable.clean();
        }
    }
}
