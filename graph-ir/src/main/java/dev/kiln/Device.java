package dev.kiln;

/**
 * Where a tensor's storage lives: {@code cpu}, or later {@code cuda:N}, as {@code torch.device}.
 *
 * @param type the device type, such as {@code "cpu"} or {@code "cuda"}
 * @param index the device's index among those of its type (0 for the CPU)
 */
public record Device(String type, int index) {
    /** The CPU, {@code cpu}: the device of every tensor unless another is asked for. */
    public static final Device CPU = new Device("cpu", 0);

    /**
     * A device of a type and index.
     *
     * @param type the device type, such as {@code "cpu"} or {@code "cuda"}; not null or empty
     * @param index the device's index, at least 0
     * @throws KilnException if the type is null or empty or the index negative
     */
    public Device {
        if (type == null || type.isEmpty() || index < 0) {
            throw new KilnException("invalid device " + type + ":" + index);
        }
    }

    /**
     * The CUDA device {@code cuda:index}, as {@code torch.device("cuda", index)}.
     *
     * @param index the GPU's index, at least 0
     * @return the device {@code cuda:index}
     * @throws KilnException if the index is negative
     */
    public static Device cuda(int index) {
        return new Device("cuda", index);
    }

    /**
     * Parses {@code "cpu"}, {@code "cuda"} or {@code "cuda:1"}, as {@code torch.device(text)}; a missing index is 0.
     *
     * @param text the device's name, {@code type} or {@code type:index}
     * @return the device it names
     * @throws KilnException if the type is empty or the index negative
     */
    public static Device parse(String text) {
        int colon = text.indexOf(':');
        return colon < 0 ? new Device(text, 0) : new Device(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    }

    @Override
    public String toString() {
        return type.equals("cpu") ? "cpu" : type + ":" + index;
    }
}
