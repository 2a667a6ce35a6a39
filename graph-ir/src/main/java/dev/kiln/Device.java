package dev.kiln;

/** Where a tensor's storage lives: {@code cpu}, or later {@code cuda:N}. */
public record Device(String type, int index) {
    public static final Device CPU = new Device("cpu", 0);

    public Device {
        if (type == null || type.isEmpty() || index < 0) {
            throw new KilnException("invalid device " + type + ":" + index);
        }
    }

    public static Device cuda(int index) {
        return new Device("cuda", index);
    }

    /** Parses {@code "cpu"}, {@code "cuda"} or {@code "cuda:1"}. */
    public static Device parse(String text) {
        int colon = text.indexOf(':');
        return colon < 0 ? new Device(text, 0) : new Device(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    }

    @Override
    public String toString() {
        return type.equals("cpu") ? "cpu" : type + ":" + index;
    }
}
