package io.facelive;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Closed objects refuse to work with a clear exception; create/close cycles leave memory flat. */
class LifecycleTest {
    /** The process's resident memory in KiB (Linux). */
    static long rssKiB() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    static void collect() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
        }
    }

    @Test
    void closedObjectsThrow() {
        FaceLive engine = FaceLive.fromDirectory(Clips.models());
        LivenessSession s = engine.newSession(Challenge.of(Action.BLINK));
        s.close();
        s.close(); // twice is fine
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.push(Clips.real().get(0).frame()));
        assertTrue(e.getMessage().contains("LivenessSession is closed"), e.getMessage());
        assertThrows(IllegalStateException.class, s::result);
        LivenessSession open = engine.newSession(Challenge.of(Action.BLINK));
        engine.close();
        e = assertThrows(IllegalStateException.class, () -> engine.newSession(Challenge.of(Action.BLINK)));
        assertTrue(e.getMessage().contains("FaceLive is closed"), e.getMessage());
        // a session made before the engine was closed keeps working: the engine lives until it closes
        open.push(Clips.real().get(0).frame());
        open.close();
    }

    @Test
    void thousandsOfCyclesLeaveMemoryFlat() throws Exception {
        try (FaceLive engine = FaceLive.fromDirectory(Clips.models())) {
            Frame f = Clips.real().get(0).frame();
            for (int i = 0; i < 200; i++) { // warm-up: allocator pools, JIT
                try (LivenessSession s = engine.newSession(Challenge.of(Action.BLINK))) {
                    s.push(f);
                }
            }
            collect();
            long before = rssKiB();
            for (int i = 0; i < 3000; i++) {
                try (LivenessSession s = engine.newSession(Challenge.of(Action.BLINK))) {
                    s.push(f);
                }
            }
            collect();
            long closed = rssKiB();
            // Forgotten sessions: the Cleaner frees them after a collection. The GC cannot see their
            // native memory (about 4 MB each once a frame ran), so RSS rises to what was alive between
            // collections and stays there (the allocator keeps it for reuse): the measure of a leak is
            // that a second round of forgotten sessions does not grow it again.
            long[] afterRound = new long[2];
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 500; i++) {
                    engine.newSession(Challenge.of(Action.BLINK)).push(f);
                    if (i % 25 == 24) {
                        System.gc();
                        Thread.sleep(20);
                    }
                }
                collect();
                afterRound[round] = rssKiB();
            }
            System.out.printf("RSS: %d KiB before, %d after 3000 closed sessions, %d and %d after two rounds of 500 "
                              + "forgotten ones%n", before, closed, afterRound[0], afterRound[1]);
            assertTrue(closed - before < 16 * 1024, "3000 closed sessions grew RSS by " + (closed - before) + " KiB");
            assertTrue(afterRound[1] - afterRound[0] < 32 * 1024,
                       "a second round of 500 forgotten sessions grew RSS by " + (afterRound[1] - afterRound[0]) + " KiB");
        }
        long before = rssKiB();
        for (int i = 0; i < 30; i++) {
            FaceLive.fromDirectory(Clips.models()).close();
        }
        collect();
        long after = rssKiB();
        System.out.printf("RSS: %d KiB before, %d after 30 engines loaded and closed%n", before, after);
        assertTrue(after - before < 16 * 1024, "30 engines grew RSS by " + (after - before) + " KiB");
    }
}
