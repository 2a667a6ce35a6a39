package dev.kiln.samples;

/** The samples' command-line values: each bad one an {@link IllegalArgumentException} naming the option. */
final class Args {
    private Args() {
    }

    /** The value after {@code option} at {@code args[i]}. */
    static String value(String option, String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** An integer of at least {@code least}. */
    static int count(String option, String[] args, int i, int least) {
        String v = value(option, args, i);
        try {
            int n = Integer.parseInt(v);
            if (n >= least) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, as any value out of range
        }
        throw new IllegalArgumentException(option + " needs an integer of at least " + least + ", got " + v);
    }

    /** A positive number. */
    static double number(String option, String[] args, int i) {
        String v = value(option, args, i);
        try {
            double d = Double.parseDouble(v);
            if (d > 0) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " needs a positive number, got " + v);
    }
}
