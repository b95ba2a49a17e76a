package io.facelive;

/** What to show after a frame: the phase, the action asked, what to fix, and a prompt. Immutable. */
public final class SessionState {
    public final Phase phase;
    /** Actions done so far, of {@link #steps}. */
    public final int step;
    public final int steps;
    /** The action asked now (phase ACTION). */
    public final Action action;
    /** What to fix (phase QUALITY). */
    public final QualityReason reason;
    public final Failure failure;
    /** Text a UI can show as it is: "Turn your head to the left", "Move closer". */
    public final String prompt;
    /** Frames pushed, and frames dropped because the analysis was busy ({@link FrameWorker}). */
    public final int frames;
    public final int dropped;

    SessionState(int[] s, String prompt) {
        this.phase = Phase.values()[s[0]];
        this.step = s[1];
        this.steps = s[2];
        this.action = Action.values()[s[3]];
        this.reason = QualityReason.values()[s[4]];
        this.failure = Failure.values()[s[5]];
        this.frames = s[6];
        this.dropped = s[7];
        this.prompt = prompt;
    }

    public boolean finished() {
        return phase == Phase.DONE || phase == Phase.FAILED;
    }

    @Override
    public String toString() {
        return phase + " step " + step + "/" + steps + " (" + prompt + ")";
    }
}
