package io.facelive;

import io.facelive.examples.ClipFrames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** The test inputs: the model pack and the clips' frames (system properties set by CTest). */
final class Clips {
    private static List<ClipFrames.Nv21> real;
    private static List<ClipFrames.Nv21> fake;

    private Clips() {}

    static String models() {
        return System.getProperty("facelive.models");
    }

    static synchronized List<ClipFrames.Nv21> real() {
        return real != null ? real : (real = load("real"));
    }

    static synchronized List<ClipFrames.Nv21> fake() {
        return fake != null ? fake : (fake = load("fake"));
    }

    private static List<ClipFrames.Nv21> load(String name) {
        try {
            return ClipFrames.load(Path.of(System.getProperty("facelive.frames"), name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pushes every frame until the attempt finishes; returns the result. */
    static SessionResult run(LivenessSession s, List<ClipFrames.Nv21> frames) {
        for (ClipFrames.Nv21 f : frames) {
            if (s.push(f.frame()).finished()) {
                break;
            }
        }
        return s.result();
    }
}
