package io.facelive;

/** The answer (fl_decision): anything that could not be checked is UNCERTAIN, never REAL. */
public enum Decision {
    REAL, SPOOF, UNCERTAIN
}
