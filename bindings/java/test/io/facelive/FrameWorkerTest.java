package io.facelive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.facelive.examples.ClipFrames;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The camera thread hands frames over and goes on; frames that find the worker busy are dropped and counted. */
class FrameWorkerTest {
    @Test
    void busyFramesAreDroppedAndCounted() throws Exception {
        AtomicInteger released = new AtomicInteger(), states = new AtomicInteger();
        AtomicReference<SessionState> last = new AtomicReference<>();
        int offered = 0, taken = 0;
        try (FaceLive engine = FaceLive.fromDirectory(Clips.models());
             LivenessSession s = engine.newSession(Challenge.parse("turn_left,turn_right"))) {
            FrameWorker w = new FrameWorker(s, st -> {
                states.incrementAndGet();
                last.set(st);
            });
            for (ClipFrames.Nv21 f : Clips.real().subList(0, 120)) { // as fast as the loop goes: a burst
                offered++;
                taken += w.offer(f.frame(), released::incrementAndGet) ? 1 : 0;
            }
            // then one more frame once the worker is free: the drops are added to the session before
            // the next frame it analyses (however few frames a loaded machine let it take in the burst)
            Frame after = Clips.real().get(120).frame();
            boolean took = false;
            while (!took) {
                offered++;
                took = w.offer(after, released::incrementAndGet);
                taken += took ? 1 : 0;
                if (!took) {
                    Thread.sleep(1);
                }
            }
            w.close(); // finishes the frame in flight
            assertEquals(offered, taken + w.dropped(), "every frame taken or dropped");
            assertTrue(w.dropped() > 0, "a burst finds the worker busy: " + w.dropped() + " dropped");
            assertEquals(taken, states.get(), "a state per analysed frame");
            assertEquals(offered, released.get(), "every frame's buffer released");
            // every drop, all before the last frame analysed, is in the session's state
            assertTrue(last.get().dropped == w.dropped() && last.get().frames == taken,
                       "state reports " + last.get().dropped + " dropped of " + w.dropped() + " and "
                       + last.get().frames + " frames of " + taken);
        }
    }
}
