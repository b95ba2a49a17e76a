package io.facelive;

/** Why a frame is not good enough (fl_quality_reason), in the library's order. */
public enum QualityReason {
    NO_FACE, SEVERAL_FACES, TOO_SMALL, TOO_LARGE, PARTLY_OUTSIDE, OFF_CENTRE, POSE, BLURRED, TOO_DARK, TOO_BRIGHT,
    BACKLIT, MOTION, NOT_A_FACE;

    /** Nothing can be judged (no face, not a face, several faces) rather than "please adjust". */
    public boolean cannotJudge() {
        return this == NO_FACE || this == NOT_A_FACE || this == SEVERAL_FACES;
    }
}
