package io.facelive;

/** The attempt's answer. {@link #passed()} only with every action in order and a silent verdict "real". */
public final class SessionResult {
    public final Decision decision;
    public final Outcome outcome;
    public final Failure failure;
    public final SessionState state;
    /** Whether the silent check ran on the best frames, its fused score and threshold, frames used. */
    public final boolean hasSilentVerdict;
    public final double silentScore;
    public final double threshold;
    public final int silentFramesUsed;
    /** Frames kept for the silent check (a server's verification gets these too). */
    public final int bestFrames;
    /** Actions done, of the challenge's. */
    public final int actionsDone;

    SessionResult(int[] i, double[] d, SessionState state) {
        this.decision = Decision.values()[i[0]];
        this.outcome = Outcome.values()[i[1]];
        this.hasSilentVerdict = i[2] != 0;
        this.silentFramesUsed = i[3];
        this.bestFrames = i[4];
        this.failure = Failure.values()[i[5]];
        this.actionsDone = i[7];
        this.silentScore = d[0];
        this.threshold = d[1];
        this.state = state;
    }

    public boolean passed() {
        return outcome == Outcome.PASSED && decision == Decision.REAL;
    }

    @Override
    public String toString() {
        return decision + " (" + outcome + (hasSilentVerdict ? ", silent " + silentScore : "") + ")";
    }
}
