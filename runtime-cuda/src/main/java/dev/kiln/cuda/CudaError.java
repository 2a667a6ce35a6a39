package dev.kiln.cuda;

/**
 * A failure inside the CUDA runtime, raised on the device's thread; the caller's thread turns it into
 * a {@code KilnException} there, so that the message names the user's own line ({@link CudaDevice#call}).
 */
final class CudaError extends RuntimeException {
    /** The driver's result code, or 0 where the error is not the driver's. */
    final int code;

    CudaError(String message) {
        super(message);
        this.code = 0;
    }

    CudaError(String message, int code) {
        super(message);
        this.code = code;
    }

    CudaError(String message, Throwable cause) {
        super(message, cause);
        this.code = 0;
    }
}
