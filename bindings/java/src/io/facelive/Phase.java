package io.facelive;

/** Where an attempt is (fl_phase). */
public enum Phase {
    /** Waiting for a usable face: see {@link SessionState#reason}. */
    QUALITY,
    /** Learning the neutral face: look straight. */
    NEUTRAL,
    /** Waiting for the action asked now. */
    ACTION,
    /** The actions are done; a few more good frames are needed: look straight. */
    CAPTURE,
    DONE,
    FAILED
}
