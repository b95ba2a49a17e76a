package io.facelive;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models, loaded once: the face detector and mesh, and the anti-spoof models of the model list.
 * Shared by every session of the app; thread-safe. Close it when done (or let the Cleaner free it);
 * its native memory lives on until the last session made from it is closed too.
 */
public final class FaceLive implements AutoCloseable {
    /** The native engine and how many owners it has (this object and its open sessions). */
    static final class Engine implements Runnable {
        final long handle;
        private final AtomicInteger owners = new AtomicInteger(1);

        Engine(long handle) {
            this.handle = handle;
        }

        /** One more owner, unless the engine is already freed (a close() raced this call). */
        boolean tryAcquire() {
            for (int n = owners.get(); n > 0; n = owners.get()) {
                if (owners.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void run() { // release one owner; the last frees the native engine
            if (owners.decrementAndGet() == 0) {
                Native.engineFree(handle);
            }
        }
    }

    private final Engine engine;
    private final java.lang.ref.Cleaner.Cleanable cleanable;
    private volatile boolean closed;

    private FaceLive(long handle) {
        this.engine = new Engine(handle);
        this.cleanable = Native.CLEANER.register(this, engine);
    }

    /** The model pack in a folder (the default model list), as the CLI and server use it. */
    public static FaceLive fromDirectory(String modelsDir) {
        return fromDirectory(modelsDir, null);
    }

    /** The model pack in a folder with a model list file (null: the default list). */
    public static FaceLive fromDirectory(String modelsDir, String modelListPath) {
        if (modelsDir == null) {
            throw new IllegalArgumentException("modelsDir is null");
        }
        return new FaceLive(Native.engineCreate(modelsDir, modelListPath));
    }

    /**
     * Models from memory, as an app's bundled assets are: file name to bytes (byte[] or a direct
     * ByteBuffer, read in place; the bytes are not needed after this call). modelListText: the
     * model list's text, or null for the default list.
     */
    public static FaceLive fromMemory(Map<String, ?> models, String modelListText) {
        String[] names = new String[models.size()];
        Object[] blobs = new Object[models.size()];
        int i = 0;
        for (Map.Entry<String, ?> e : models.entrySet()) {
            Object b = e.getValue();
            if (!(b instanceof byte[]) && !(b instanceof ByteBuffer && ((ByteBuffer) b).isDirect())) {
                throw new IllegalArgumentException(e.getKey() + ": a model is a byte[] or a direct ByteBuffer");
            }
            names[i] = e.getKey();
            blobs[i++] = b instanceof ByteBuffer ? ((ByteBuffer) b).slice() : b;
        }
        return new FaceLive(Native.engineCreateFromMemory(names, blobs, modelListText));
    }

    /** A new attempt at this challenge, with the library's session defaults. */
    public LivenessSession newSession(Challenge challenge) {
        return newSession(challenge, new LivenessSession.Options());
    }

    public LivenessSession newSession(Challenge challenge, LivenessSession.Options options) {
        if (closed || !engine.tryAcquire()) {
            throw new IllegalStateException("FaceLive is closed");
        }
        try {
            return new LivenessSession(engine, challenge, options);
        } catch (RuntimeException ex) {
            engine.run();
            throw ex;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cleanable.clean();
        }
    }
}
