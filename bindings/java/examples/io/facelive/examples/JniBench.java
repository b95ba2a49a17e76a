package io.facelive.examples;

import io.facelive.Challenge;
import io.facelive.FaceLive;
import io.facelive.LivenessSession;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Per-frame cost of a session through Java (scripts/bench.sh jni): the head-turn clip's frames as a
 * phone's NV21 buffers (direct, turned 90 degrees), pushed one by one; the median over the frames,
 * after one warm-up pass. It first writes the same buffers to RAW (when missing) for the C peer
 * (bench/bench_jni_peer.c), which does the same work through the C API. Prints one JSON line.
 *
 * usage: JniBench MODELS_DIR FRAMES_DIR RAW_FILE
 */
public final class JniBench {
    private JniBench() {}

    public static void main(String[] args) throws Exception {
        List<ClipFrames.Nv21> frames = ClipFrames.load(Path.of(args[1]));
        Path raw = Path.of(args[2]);
        if (!Files.exists(raw)) {
            write(frames, raw);
        }
        LivenessSession.Options o = new LivenessSession.Options();
        o.actionTimeoutSeconds = o.totalTimeoutSeconds = 1e9f; // every frame is worked on
        double[] ms = new double[frames.size()];
        try (FaceLive engine = FaceLive.fromDirectory(args[0])) {
            for (int pass = 0; pass < 2; pass++) { // pass 0 warms up
                try (LivenessSession s = engine.newSession(Challenge.parse("turn_left,turn_right,head_down,head_up"), o)) {
                    for (int i = 0; i < frames.size(); i++) {
                        long t0 = System.nanoTime();
                        s.push(frames.get(i).frame());
                        ms[i] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
        }
        Arrays.sort(ms);
        System.out.printf("{\"java_ms_per_frame\": %.3f, \"frames\": %d, \"width\": %d, \"height\": %d}%n",
                          ms[ms.length / 2], ms.length, frames.get(0).width, frames.get(0).height);
    }

    /** "FLNV21" + count, width, height (int32 LE), then per frame its time (int64 ns LE) and the NV21 bytes. */
    static void write(List<ClipFrames.Nv21> frames, Path raw) throws IOException {
        Path part = raw.resolveSibling(raw.getFileName() + ".part");
        try (OutputStream f = Files.newOutputStream(part); DataOutputStream d = new DataOutputStream(f)) {
            d.writeBytes("FLNV21\0\0");
            d.writeInt(Integer.reverseBytes(frames.size()));
            d.writeInt(Integer.reverseBytes(frames.get(0).width));
            d.writeInt(Integer.reverseBytes(frames.get(0).height));
            for (ClipFrames.Nv21 fr : frames) {
                d.writeLong(Long.reverseBytes(fr.timestampNanos));
                byte[] b = new byte[fr.data.capacity()];
                fr.data.duplicate().get(b);
                d.write(b);
            }
        }
        Files.move(part, raw);
    }
}
