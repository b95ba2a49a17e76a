package io.facelive;

/** A failure of the native library, with its status code (see {@link Status}). */
public class FaceLiveException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    public FaceLiveException(int code, String message) {
        super(message);
        this.code = code;
    }

    /** The library's status code (fl_status). */
    public int code() {
        return code;
    }

    public Status status() {
        return Status.of(code);
    }
}
