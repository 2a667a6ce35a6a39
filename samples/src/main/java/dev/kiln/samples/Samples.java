package dev.kiln.samples;

import dev.kiln.Device;
import dev.kiln.Kiln;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** The launcher's entry point: {@code samples [--list]} or {@code sample NAME}. */
public final class Samples {
    /** The seed's programs that exist so far, by their fixed names, in the seed's order. */
    static final Map<String, Consumer<String[]>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("numpy", NumpySample::main);
        ALL.put("tensor", TensorSample::main);
        ALL.put("autograd", AutogradSample::main);
        ALL.put("custom-function", CustomFunctionSample::main);
        ALL.put("nn", NnSample::main);
        ALL.put("optim", OptimSample::main);
        ALL.put("module", ModuleSample::main);
        ALL.put("dynamic", DynamicSample::main);
    }

    /** Samples beyond the seed: run by name only ({@code ./kiln samples} runs the seed's eight). */
    static final Map<String, Consumer<String[]>> OTHERS = new LinkedHashMap<>();

    static {
        OTHERS.put("serve", ServeSample::main);
        OTHERS.put("digits-mlp", DigitsSample::main);
        OTHERS.put("ddp", DdpSample::main);
        OTHERS.put("fashion-cnn", FashionCnnSample::main);
        OTHERS.put("char-gpt", CharGptSample::main);
        OTHERS.put("onnx-run", OnnxRunSample::main);
    }

    private Samples() {
    }

    /** The number after {@code --steps}, or {@code seed} (the seed's count) when there is none. */
    static int steps(String[] args, int seed) {
        int at = java.util.Arrays.asList(args).indexOf("--steps");
        return at < 0 ? seed : Args.count("--steps", args, at + 1, 1);
    }

    /** Whether the arguments ask for compiled training steps ({@code --compiled}). */
    static boolean compiled(String[] args) {
        return java.util.Arrays.asList(args).contains("--compiled");
    }

    /**
     * Runs the command with every tensor the samples make on the device named by {@code --device D}
     * ({@code cpu}, {@code cuda}, {@code cuda:1}), as {@code torch.set_default_device}; the option is taken
     * out of the arguments the samples see.
     */
    public static void main(String[] args) {
        int at = java.util.Arrays.asList(args).indexOf("--device");
        if (at < 0) {
            dispatch(args);
            return;
        }
        Device device = Device.parse(Args.value("--device", args, at + 1));
        String[] rest = new String[args.length - 2];
        System.arraycopy(args, 0, rest, 0, at);
        System.arraycopy(args, at + 2, rest, at, args.length - at - 2);
        try (var scope = Kiln.defaultDevice(device)) {
            dispatch(rest);
        }
    }

    private static void dispatch(String[] args) {
        if (args.length == 0) {
            usage();
            return;
        }
        switch (args[0]) {
            case "samples" -> {
                if (args.length > 1 && args[1].equals("--list")) {
                    ALL.keySet().forEach(System.out::println);
                    return;
                }
                String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
                for (var e : ALL.entrySet()) {
                    System.out.println("== " + e.getKey() + (compiled(rest) ? " (compiled)" : ""));
                    e.getValue().accept(rest);
                    System.out.println();
                }
            }
            case "sample" -> {
                Consumer<String[]> sample = args.length > 1 ? ALL.getOrDefault(args[1], OTHERS.get(args[1])) : null;
                if (sample == null) {
                    String names = String.join(", ", ALL.keySet()) + "; beyond the seed: " + String.join(", ", OTHERS.keySet());
                    System.err.println(args.length > 1 ? "no sample named '" + args[1] + "'; the samples are " + names
                            : "sample: name one of " + names);
                    System.exit(2);
                }
                sample.accept(java.util.Arrays.copyOfRange(args, 2, args.length));
            }
            default -> {
                usage();
                System.exit(2);
            }
        }
    }

    private static void usage() {
        System.err.println("usage: kiln samples [--list | --compiled] [--device D] | kiln sample NAME [--compiled] [--device D] | kiln sample serve [--port P]"
                + " [--model PATH] [--self-test N]");
    }
}
