package io.facelive;

/** Why an attempt failed (fl_failure). */
public enum Failure {
    NONE, ACTION_TIMEOUT, TOTAL_TIMEOUT, FACE_LOST, FACE_CHANGED, SEVERAL_FACES, SPOOF, CAPTURE_TIMEOUT,
    IMPLAUSIBLE_TIMING
}
