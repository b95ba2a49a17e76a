package io.facelive;

/** The library's status codes (include/facelive/status.h). */
public enum Status {
    OK(0), INVALID_ARGUMENT(-1), NO_MEMORY(-2), IO(-3), TOO_LARGE(-4), BUFFER_TOO_SMALL(-5), MODEL_TRUNCATED(-10),
    MODEL_MALFORMED(-11), MODEL_INVALID(-12), UNSUPPORTED_OP(-13), UNSUPPORTED_ATTRIBUTE(-14), UNSUPPORTED_DTYPE(-15),
    TENSOR_DATA(-16), SHAPE(-17), BACKEND(-18), UNAVAILABLE(-19), IMAGE_FORMAT(-20), IMAGE_CORRUPT(-21), UNKNOWN(1);

    public final int code;

    Status(int code) {
        this.code = code;
    }

    public static Status of(int code) {
        for (Status s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
