package dev.kiln;

/**
 * Where a tensor's storage lives: {@code cpu} or {@code cuda:N}, as {@code torch.device}.
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
     * @throws KilnException if the text is null, the type empty or the index not a non-negative int
     */
    public static Device parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        String index = colon < 0 ? "0" : text.substring(colon + 1);
        if (text == null || text.isEmpty() || colon == 0 || !index.matches("[0-9]+")) {
            throw new KilnException("Device.parse: invalid device string " + (text == null ? "null" : "'" + text + "'")
                    + "; expected a type and an optional index, such as cpu, cuda or cuda:1");
        }
        try {
            return new Device(colon < 0 ? text : text.substring(0, colon), Integer.parseInt(index));
        } catch (NumberFormatException e) {
            throw new KilnException("Device.parse: invalid device string '" + text + "': the index " + index + " is too large", e);
        }
    }

    /**
     * Whether tensors can live on this device here: its backend is on the class path and reports the device, as
     * {@code torch.cuda.is_available()} (with index 0) and {@code torch.cuda.device_count()}. Never throws: a
     * missing backend or driver is simply false. The CPU is always available.
     *
     * @return true if a tensor moved here would find its device
     */
    public boolean isAvailable() {
        return Backends.available(this);
    }

    @Override
    public String toString() {
        return type.equals("cpu") ? "cpu" : type + ":" + index;
    }

    /**
     * Equal to a device of the same type and index. Written out (a record's generated equals has
     * no identity shortcut): every compiled call compares its tensors' devices with the plan's.
     *
     * @param o another object
     * @return whether it is a device of the same type and index
     */
    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof Device d && index == d.index && type.equals(d.type);
    }

    /**
     * A hash of the type and index, consistent with {@link #equals}.
     *
     * @return the hash
     */
    @Override
    public int hashCode() {
        return 31 * type.hashCode() + index;
    }
}
