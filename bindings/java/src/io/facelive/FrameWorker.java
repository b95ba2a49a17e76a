package io.facelive;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Frame threading as the original SDK did it: the camera thread hands a frame over and never waits;
 * one worker thread analyses it; a frame that arrives while the worker is busy is dropped (its
 * buffer released at once) and counted, and the session's state reports the count.
 *
 * <pre>
 * FrameWorker worker = new FrameWorker(session, state -&gt; runOnUiThread(() -&gt; show(state.prompt)));
 * // CameraX analyzer, on the camera thread:
 * worker.offer(Frame.yuv420(...), image::close);
 * </pre>
 */
public final class FrameWorker implements AutoCloseable {
    private final LivenessSession session;
    private final Consumer<SessionState> listener;
    private final Consumer<RuntimeException> onError;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "facelive-frames");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();

    /** listener gets each frame's state on the worker thread; errors go to onError (null: dropped). */
    public FrameWorker(LivenessSession session, Consumer<SessionState> listener, Consumer<RuntimeException> onError) {
        this.session = session;
        this.listener = listener;
        this.onError = onError;
    }

    public FrameWorker(LivenessSession session, Consumer<SessionState> listener) {
        this(session, listener, null);
    }

    /**
     * Hands a frame to the worker, or drops it when the worker is busy. release runs once the frame's
     * buffers are no longer needed (at once for a dropped frame). Never blocks. Returns whether the
     * frame was taken.
     */
    public boolean offer(Frame frame, Runnable release) {
        if (!busy.compareAndSet(false, true)) {
            dropped.incrementAndGet();
            pending.incrementAndGet();
            if (release != null) {
                release.run();
            }
            return false;
        }
        try {
            thread.execute(() -> analyse(frame, release));
        } catch (RuntimeException e) { // closed: the frame is dropped
            busy.set(false);
            if (release != null) {
                release.run();
            }
            return false;
        }
        return true;
    }

    private void analyse(Frame frame, Runnable release) {
        try {
            int n = pending.getAndSet(0);
            if (n > 0) {
                session.addDropped(n);
            }
            SessionState s = session.push(frame);
            if (listener != null) {
                listener.accept(s);
            }
        } catch (RuntimeException e) {
            if (onError != null) {
                onError.accept(e);
            }
        } finally {
            if (release != null) {
                release.run();
            }
            busy.set(false);
        }
    }

    /** Frames dropped so far. */
    public int dropped() {
        return dropped.get();
    }

    /** Finishes the frame in flight and stops the worker (the session stays open). */
    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
