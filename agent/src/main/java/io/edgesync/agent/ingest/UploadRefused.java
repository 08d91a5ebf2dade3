package io.edgesync.agent.ingest;

/** An upload step failed; {@link #code} is the FTP reply the device gets. */
final class UploadRefused extends Exception {
    private final int code;

    UploadRefused(int code, String message) {
        super(message);
        this.code = code;
    }

    UploadRefused(int code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    int code() {
        return code;
    }
}
