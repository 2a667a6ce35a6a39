package dev.kiln.cuda.tests;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.cpu.Interpreter;
import dev.kiln.cuda.CudaBackend;
import dev.kiln.cuda.emu.Compare;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.nn.Functional;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.Adam;
import dev.kiln.optim.Optimizer;
import dev.kiln.spi.Executable;
import dev.kiln.spi.TensorData;
import dev.kiln.tests.Props;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The GPU check's Java side (issue 29 §3; run by runtime-cuda/gpu-check/run.sh on a lent GPU, and on
 * the mock driver by {@code GpuCheckTest}): parity of the CUDA runtime with the CPU, CUDA-graph replay
 * against direct launches, and the Kiln side of the benchmarks beside PyTorch. Prints
 * {@code CHECK name PASS|FAIL detail} and {@code RESULT name value unit} lines, which run.sh turns into
 * its report; exits 1 if a check failed.
 * <pre>
 * java ... dev.kiln.cuda.tests.GpuCheck [--smoke] [parity] [replay] [bench]   (none named: all three)
 * </pre>
 * {@code --smoke} shrinks every size, for the mock driver.
 */
public final class GpuCheck {
    static final Device CUDA = Device.cuda(0);
    private final boolean smoke;
    private int failures;

    GpuCheck(boolean smoke) {
        this.smoke = smoke;
    }

    /** Runs the named parts; the exit status is 1 if a check failed. */
    public static void main(String[] args) throws Exception {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        boolean smoke = a.remove("--smoke");
        if (a.remove("--replay-values")) { // the child JVM of the replay check: the values alone
            System.out.println("VALUES " + encode(new GpuCheck(smoke).replayValues()));
            return;
        }
        GpuCheck check = new GpuCheck(smoke);
        int failed = check.run(a.isEmpty() ? List.of("parity", "replay", "bench") : a);
        System.exit(failed == 0 ? 0 : 1);
    }

    /** Runs the parts and returns how many checks failed. */
    int run(List<String> parts) throws Exception {
        for (String part : parts) {
            long t0 = System.nanoTime();
            try {
                switch (part) {
                    case "parity" -> parity();
                    case "replay" -> replay();
                    case "bench" -> bench();
                    default -> throw new IllegalArgumentException("unknown part " + part + " (parity, replay, bench)");
                }
            } catch (RuntimeException | Error e) { // a part that breaks is reported, and the next part still runs
                check(part, false, "threw " + e);
                e.printStackTrace(System.out);
            }
            result("seconds_" + part, (System.nanoTime() - t0) / 1e9, "s");
        }
        return failures;
    }

    private void check(String name, boolean ok, String detail) {
        if (!ok) {
            failures++;
        }
        System.out.println("CHECK " + name + " " + (ok ? "PASS" : "FAIL") + " " + detail.replace('\n', ' '));
        System.out.flush();
    }

    private static void result(String name, double value, String unit) {
        System.out.println("RESULT " + name + " " + String.format(java.util.Locale.ROOT, "%.6g", value) + " " + unit);
        System.out.flush();
    }

    // ---- parity ----

    /** Every primitive's example in EXACT (float64 inputs) and FAST (float32 inputs), the MLP step, against the CPU. */
    void parity() {
        primitives(DType.FLOAT64, "exact", 0, 1e-14);
        primitives(DType.FLOAT32, "fast", CudaFastPrecisionTest.ARITHMETIC, CudaFastPrecisionTest.TRANSCENDENTAL);
        mlpParity();
    }

    /**
     * Each example graph compiled by the CUDA backend at {@code precision}, run on the device and compared with the
     * interpreter: {@code arithmetic} bounds the ops without transcendentals (0: the same bits), {@code transcendental} the rest.
     */
    private void primitives(DType t, String precision, double arithmetic, double transcendental) {
        String before = System.getProperty("kiln.cuda.precision");
        System.setProperty("kiln.cuda.precision", precision);
        try {
            CudaBackend backend = new CudaBackend();
            TensorData x = Tensors.data(Props.normal(Shape.of(3, 5), 1).to(t));
            TensorData y = Tensors.data(Props.normal(Shape.of(3, 5), 2).to(t));
            TensorData xd = backend.fromHost(CUDA, x);
            TensorData yd = backend.fromHost(CUDA, y);
            Compare exact = new Compare();
            Compare ulps = new Compare();
            List<String> failed = new ArrayList<>();
            List<String> failedTr = new ArrayList<>();
            int index = 0;
            for (Map.Entry<Class<?>, BiFunction<Ops, Node[], Node>> e : CudaConformanceTest.examples(t).entrySet()) {
                if (smoke && index++ % 8 != 0) { // every eighth: the same path, a few module compiles on the mock
                    continue;
                }
                String op = e.getKey().getSimpleName();
                boolean tr = CudaConformanceTest.ULPS.contains(op);
                GraphBuilder b = new GraphBuilder();
                Node[] in = {b.input("x", TensorType.of(t, 3, 5)), b.input("y", TensorType.of(t, 3, 5))};
                Graph g = b.build(e.getValue().apply(new Ops(b), in));
                try {
                    List<TensorData> expected = Interpreter.run(g, Map.of(0, x, 1, y));
                    Executable exe = backend.compile(CUDA, g);
                    List<TensorData> actual = new ArrayList<>();
                    try (Executable.Run run = exe.open()) {
                        run.input(0, xd);
                        run.input(1, yd);
                        run.run();
                        for (int i = 0; i < exe.outputCount(); i++) {
                            actual.add(backend.toHost(run.output(i)));
                        }
                    }
                    (tr ? ulps : exact).check(expected, actual, tr ? transcendental : arithmetic, op);
                } catch (RuntimeException | AssertionError ex) {
                    (tr ? failedTr : failed).add(op + ": " + ex.getMessage());
                }
            }
            String bound = arithmetic == 0 ? "same bits" : "within " + arithmetic + " of max(1,|x|)";
            check("primitives_" + precision + "_arithmetic", failed.isEmpty(), bound + ": " + exact + (failed.isEmpty() ? "" : "; failed: " + failed));
            check("primitives_" + precision + "_transcendental", failedTr.isEmpty(), "within " + transcendental + ": " + ulps
                    + (failedTr.isEmpty() ? "" : "; failed: " + failedTr));
            result("primitives_" + precision + "_identical", exact.identical + ulps.identical, "of " + (exact.elements + ulps.elements));
            result("primitives_" + precision + "_max_ulps", Math.max(exact.maxUlps, ulps.maxUlps), "ulp");
        } finally {
            if (before == null) {
                System.clearProperty("kiln.cuda.precision");
            } else {
                System.setProperty("kiln.cuda.precision", before);
            }
        }
    }

    /** A small MLP's Adam steps on the device, eager and compiled, against the CPU's. */
    private void mlpParity() {
        int steps = smoke ? 3 : 20;
        int batch = smoke ? 32 : 256;
        double[] cpu = train(Device.CPU, false, steps, 64, 32, batch);
        for (boolean compiled : new boolean[] {false, true}) {
            double[] cuda = train(CUDA, compiled, steps, 64, 32, batch);
            double worst = 0;
            for (int i = 0; i < steps; i++) {
                worst = Math.max(worst, Math.abs(cpu[i] - cuda[i]) / Math.max(1, Math.abs(cpu[i])));
            }
            check("mlp_step_" + (compiled ? "compiled" : "eager"), worst <= 1e-4,
                    steps + " Adam steps of 64-32-32-1, batch " + batch + ": largest loss difference " + String.format("%.2g", worst) + " (bound 1e-4)");
        }
    }

    /** Losses of {@code steps} Adam steps of a tanh MLP 64→width→width→1 on a fixed batch. */
    static double[] train(Device d, boolean compiled, int steps, int in, int width, int batch) {
        Step step = mlpStep(d, in, width, batch);
        Step run = compiled ? Kiln.compile(step) : step;
        double[] losses = new double[steps];
        for (int i = 0; i < steps; i++) {
            losses[i] = run.apply().item();
        }
        return losses;
    }

    /** The MLP benchmark's step (PyTorch's in torch_side.py): tanh MLP, MSE loss, Adam lr 1e-3, float32. */
    static Step mlpStep(Device d, int in, int width, int batch) {
        Kiln.manualSeed(5);
        Module net = new Sequential(new Linear(in, width), new Tanh(), new Linear(width, width), new Tanh(), new Linear(width, 1)).to(d);
        Optimizer opt = new Adam(net.parameters(), Adam.Options.lr(1e-3));
        Tensor x = Props.normal(Shape.of(batch, in), 6).to(DType.FLOAT32).to(d);
        Tensor y = x.sum(1, true).sin();
        return inputs -> {
            opt.zeroGrad();
            Tensor loss = Functional.mseLoss(net.forward(x), y);
            loss.backward();
            opt.step();
            return loss;
        };
    }

    /** The seed's cubic step with autograd (CubicStepBenchmark's) at {@code n} float32 points on {@code d}. */
    static Step cubicStep(Device d, int n) {
        Kiln.manualSeed(1);
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, n).to(d);
        Tensor y = x.sin();
        Tensor[] p = new Tensor[4];
        for (int i = 0; i < 4; i++) {
            p[i] = Tensor.randn().to(d).requiresGrad_(true);
        }
        return inputs -> {
            Tensor loss = p[0].add(p[1].mul(x)).add(p[2].mul(x.pow(2))).add(p[3].mul(x.pow(3))).sub(y).pow(2).sum();
            loss.backward();
            try (var noGrad = Kiln.noGrad()) {
                for (Tensor q : p) {
                    q.sub_(q.grad().mul(1e-6));
                    q.clearGrad();
                }
            }
            return loss;
        };
    }

    // ---- replay ----

    /** Compiled steps' losses in this JVM (graphs replayed unless -Dkiln.cuda.graphs=false): the cubic step and the MLP's. */
    double[] replayValues() {
        int steps = smoke ? 3 : 10;
        double[] out = new double[2 * steps];
        Step cubic = Kiln.compile(cubicStep(CUDA, smoke ? 1000 : 100_000));
        for (int i = 0; i < steps; i++) {
            out[i] = cubic.apply().item();
        }
        double[] mlp = train(CUDA, true, steps, 64, smoke ? 16 : 64, smoke ? 16 : 1024);
        System.arraycopy(mlp, 0, out, steps, steps);
        return out;
    }

    /**
     * CUDA-graph replay: the compiled steps' losses here (graphs on, the default) against a child JVM's with
     * {@code -Dkiln.cuda.graphs=false} (every launch direct): the same kernels in the same order, so the same bits.
     */
    void replay() throws Exception {
        double[] here = replayValues();
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dkiln.cuda.graphs=false"));
        for (String p : List.of("kiln.cuda.driver", "kiln.cuda.nvrtc", "kiln.cuda.precision", "kiln.cuda.cacheDir")) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), GpuCheck.class.getName(), "--replay-values"));
        if (smoke) {
            cmd.add("--smoke");
        }
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        double[] direct = null;
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("VALUES ")) {
                    direct = decode(line.substring(7));
                } else {
                    log.append(line).append(' ');
                }
            }
        }
        int rc = child.waitFor();
        if (direct == null) {
            check("graph_replay", false, "the child JVM with -Dkiln.cuda.graphs=false exited " + rc + ": " + log);
            return;
        }
        check("graph_replay", Arrays.equals(here, direct), "losses of " + here.length / 2 + " compiled cubic and MLP steps each, replayed graphs vs direct launches: "
                + (Arrays.equals(here, direct) ? "the same bits" : Arrays.toString(here) + " vs " + Arrays.toString(direct)));
    }

    private static String encode(double[] v) {
        StringBuilder s = new StringBuilder();
        for (double d : v) {
            s.append(s.isEmpty() ? "" : ",").append(Long.toHexString(Double.doubleToRawLongBits(d)));
        }
        return s.toString();
    }

    private static double[] decode(String s) {
        return Arrays.stream(s.trim().split(",")).mapToDouble(h -> Double.longBitsToDouble(Long.parseUnsignedLong(h, 16))).toArray();
    }

    // ---- benchmarks ----

    /** Median seconds per call of {@code body} over {@code repeats} timed runs of {@code calls} calls, after warm-up; each run ends by reading one element back. */
    private double median(int repeats, int calls, Step body) {
        for (int i = 0; i < (smoke ? 1 : 3); i++) {
            sync(body.apply());
        }
        double[] t = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            Tensor last = null;
            for (int i = 0; i < calls; i++) {
                last = body.apply();
            }
            sync(last);
            t[r] = (System.nanoTime() - t0) / 1e9 / calls;
        }
        Arrays.sort(t);
        return t[repeats / 2];
    }

    /** Waits for the device's stream: one element copied back (the stream runs everything launched before it). */
    private static void sync(Tensor t) {
        t.reshape(-1).get(0).item();
    }

    /** The Kiln side of torch_side.py's workloads, float32, FAST precision. */
    void bench() {
        int n = smoke ? 1 << 12 : 1 << 26;
        int repeats = smoke ? 1 : 9;
        int calls = smoke ? 1 : 20;
        Kiln.manualSeed(3);
        Tensor x = Tensor.randn(n).to(CUDA);
        Tensor y = Tensor.randn(n).to(CUDA);
        double copy = median(repeats, calls, in -> x.clone());
        result("kiln_copy_gbps", 2.0 * n * 4 / copy / 1e9, "GB/s");
        double add = median(repeats, calls, in -> x.add(y));
        result("kiln_add_eager_gbps", 3.0 * n * 4 / add / 1e9, "GB/s");
        Step addCompiled = Kiln.compile(in -> x.add(y));
        double addc = median(repeats, calls, addCompiled);
        result("kiln_add_compiled_gbps", 3.0 * n * 4 / addc / 1e9, "GB/s");

        int points = smoke ? 1000 : 1_000_000;
        Step cubic = cubicStep(CUDA, points);
        result("kiln_cubic_eager_us", median(repeats, calls, cubic) * 1e6, "us");
        Step cubicCompiled = Kiln.compile(cubicStep(CUDA, points));
        result("kiln_cubic_compiled_us", median(repeats, calls * 5, cubicCompiled) * 1e6, "us");

        int width = smoke ? 16 : 512;
        int batch = smoke ? 16 : 4096;
        result("kiln_mlp_eager_ms", median(repeats, smoke ? 1 : 10, mlpStep(CUDA, 64, width, batch)) * 1e3, "ms");
        result("kiln_mlp_compiled_ms", median(repeats, smoke ? 1 : 10, Kiln.compile(mlpStep(CUDA, 64, width, batch))) * 1e3, "ms");
        System.out.println("NOTE nccl: no dev.kiln.cuda NCCL binding on this branch; Kiln's all-reduce is pending (PyTorch's is measured)");
    }
}
