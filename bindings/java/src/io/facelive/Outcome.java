package io.facelive;

/** Why an attempt's decision is what it is (fl_outcome); only PASSED comes with REAL. */
public enum Outcome {
    PASSED, SPOOF, IN_PROGRESS, ACTIONS_FAILED, NO_SILENT_CHECK, TOO_FEW_FRAMES, SILENT_UNCERTAIN, SILENT_ERROR
}
