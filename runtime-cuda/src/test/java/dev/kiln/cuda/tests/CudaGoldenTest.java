package dev.kiln.cuda.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.cuda.emu.Nvcc;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Reduction;
import dev.kiln.nn.Sequential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CUDA C of the seed's kernels, through the public API ({@code Kiln.explainCuda}), against
 * golden text in {@code src/test/resources/golden}: a change to the emitter arrives as a reviewable
 * diff. {@code -Dkiln.golden.write=true} writes the new text beside each golden file ({@code NAME.cu.actual}) and
 * fails; review the diff and move it over. nvcc compiles each
 * module as {@code Kiln.cudaSource} gives it, without a warning, and no kernel spills registers.
 */
class CudaGoldenTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    /** The autograd sample's compiled step: forward, loss, four gradient sums, four updates (called once). */
    static CompiledFunction cubicStep() {
        Kiln.manualSeed(2);
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 2000);
        Tensor y = x.sin();
        Tensor a = Tensor.randn().requiresGrad_(true);
        Tensor b = Tensor.randn().requiresGrad_(true);
        Tensor c = Tensor.randn().requiresGrad_(true);
        Tensor d = Tensor.randn().requiresGrad_(true);
        CompiledFunction step = Kiln.compile(in -> {
            Tensor loss = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3))).sub(y).pow(2).sum();
            loss.backward();
            try (var noGrad = Kiln.noGrad()) {
                for (Tensor w : List.of(a, b, c, d)) {
                    w.sub_(w.grad().mul(1e-6));
                    w.clearGrad();
                }
            }
            return loss;
        });
        step.apply();
        return step;
    }

    /** The nn sample's compiled step: Sequential(Linear(3, 1), Flatten(0, 1)), MSELoss(sum), SGD by hand (called once). */
    static CompiledFunction nnStep() {
        Kiln.manualSeed(2);
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 2000);
        Tensor y = x.sin();
        Tensor xx = x.unsqueeze(-1).pow(Tensor.of(1L, 2L, 3L));
        Sequential model = new Sequential(new Linear(3, 1), new Flatten(0, 1));
        MSELoss lossFn = new MSELoss(Reduction.SUM);
        CompiledFunction step = Kiln.compile(in -> {
            Tensor loss = lossFn.forward(model.forward(xx), y);
            model.zeroGrad();
            loss.backward();
            try (var noGrad = Kiln.noGrad()) {
                for (Tensor p : model.parameters()) {
                    p.sub_(p.grad().mul(1e-6));
                }
            }
            return loss;
        });
        step.apply();
        return step;
    }

    /** An MLP's inference: two GEMMs, the first with bias and ReLU fused as its epilogue (called once). */
    static CompiledFunction mlpInference() {
        Kiln.manualSeed(2);
        Sequential model = new Sequential(new Linear(64, 128), new ReLU(), new Linear(128, 10));
        Tensor batch = Tensor.randn(256, 64);
        CompiledFunction f;
        try (var noGrad = Kiln.noGrad()) {
            f = Kiln.compile(in -> model.forward(in[0]));
            f.call(batch);
        }
        return f;
    }

    /**
     * A small CNN's training step: Conv2d(1, 4, 3) → ReLU → MaxPool2d(2) → Flatten → Linear(36, 3), cross-entropy, SGD
     * by hand (called once): the convolution's gathers and scatters, max pooling's window argmax, the GEMMs.
     */
    static CompiledFunction cnnStep() {
        Kiln.manualSeed(3);
        Sequential model = new Sequential(new dev.kiln.nn.Conv2d(1, 4, 3), new ReLU(), new dev.kiln.nn.MaxPool2d(2), new Flatten(),
                new Linear(36, 3));
        Tensor x = Tensor.randn(2, 1, 8, 8);
        Tensor target = Tensor.of(0L, 2L);
        CompiledFunction step = Kiln.compile(in -> {
            Tensor loss = dev.kiln.nn.Functional.crossEntropy(model.forward(x), target);
            model.zeroGrad();
            loss.backward();
            try (var noGrad = Kiln.noGrad()) {
                for (Tensor p : model.parameters()) {
                    p.sub_(p.grad().mul(0.1));
                }
            }
            return loss;
        });
        step.apply();
        return step;
    }

    /**
     * Causal self-attention's training step: q, k and v as parameters [2, 5, 4], fused attention forward and backward
     * (its query-row and key-row kernels), the squared output summed, SGD by hand (called once).
     */
    static CompiledFunction attentionStep() {
        Kiln.manualSeed(4);
        Tensor q = Tensor.randn(2, 5, 4).requiresGrad_(true);
        Tensor k = Tensor.randn(2, 5, 4).requiresGrad_(true);
        Tensor v = Tensor.randn(2, 5, 4).requiresGrad_(true);
        CompiledFunction step = Kiln.compile(in -> {
            // the fused primitive at this short length too (by default only long sequences take it)
            System.setProperty("kiln.attention.fusedMinScores", "0");
            Tensor out;
            try {
                out = dev.kiln.nn.Attention.scaledDotProductAttention(q, k, v, null, 0.0, true, null);
            } finally {
                System.clearProperty("kiln.attention.fusedMinScores");
            }
            Tensor loss = out.pow(2).sum();
            loss.backward();
            try (var noGrad = Kiln.noGrad()) {
                for (Tensor w : List.of(q, k, v)) {
                    w.sub_(w.grad().mul(0.1));
                    w.clearGrad();
                }
            }
            return loss;
        });
        step.apply();
        return step;
    }

    static Map<String, CompiledFunction> functions() {
        Map<String, CompiledFunction> f = new LinkedHashMap<>();
        f.put("cubic_step", cubicStep());
        f.put("nn_step", nnStep());
        f.put("mlp_gemm_epilogue", mlpInference());
        f.put("cnn_step", cnnStep());
        f.put("attention_step", attentionStep());
        return f;
    }

    /** {@code Kiln.explainCuda} of each: the launches, then the module. */
    static Map<String, String> texts() {
        Map<String, String> t = new LinkedHashMap<>();
        functions().forEach((name, f) -> t.put(name, Kiln.explainCuda(f)));
        return t;
    }

    /** The FAST precision's launches and module of the cubic step and the MLP (its float GEMM), named {@code NAME_fast}. */
    static Map<String, String> fastTexts() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("cubic_step_fast", fast(() -> Kiln.explainCuda(cubicStep())));
        t.put("mlp_gemm_epilogue_fast", fast(() -> Kiln.explainCuda(mlpInference())));
        return t;
    }

    /** {@code text} computed with the CUDA backend in FAST precision ({@code -Dkiln.cuda.precision=fast}, read when a plan compiles). */
    static String fast(java.util.function.Supplier<String> text) {
        String old = System.getProperty("kiln.cuda.precision");
        System.setProperty("kiln.cuda.precision", "fast");
        try {
            return text.get();
        } finally {
            if (old == null) {
                System.clearProperty("kiln.cuda.precision");
            } else {
                System.setProperty("kiln.cuda.precision", old);
            }
        }
    }

    /** The device helpers every module starts with (codegen's kiln_device.cuh, and kiln_device_fast.cuh in FAST), left out of the golden files. */
    private static String withoutHelpers(String text) throws IOException {
        String out = text;
        for (String name : List.of("kiln_device.cuh", "kiln_device_fast.cuh")) {
            try (var in = dev.kiln.codegen.cuda.CudaEmitter.class.getResourceAsStream(name)) {
                String helpers = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertTrue(name.contains("fast") || text.contains(helpers), "every module starts with the helpers");
                out = out.replace(helpers, "// (the device helpers of codegen/src/main/resources/dev/kiln/codegen/cuda/" + name + ")\n");
            }
        }
        return out;
    }

    @Test
    void theSeedsKernelsAreTheGoldenText() throws IOException {
        matchGolden(texts());
    }

    @Test
    void theSeedsKernelsInFastPrecisionAreTheGoldenText() throws IOException {
        Map<String, String> fast = fastTexts();
        assertTrue(fast.get("cubic_step_fast").contains("// nvcc options: --fmad=true\n"), fast.get("cubic_step_fast"));
        matchGolden(fast);
    }

    private static void matchGolden(Map<String, String> texts) throws IOException {
        boolean write = Boolean.getBoolean("kiln.golden.write");
        List<String> written = new ArrayList<>();
        for (Map.Entry<String, String> e : texts.entrySet()) {
            e.setValue(withoutHelpers(e.getValue()));
            Path file = GOLDEN.resolve(e.getKey() + ".cu");
            Path actual = GOLDEN.resolve(e.getKey() + ".cu.actual");
            if (write) {
                // beside the golden file, never over it: a run in write mode reviews nothing, so it fails
                Files.writeString(actual, e.getValue());
                written.add(actual.toString());
                continue;
            }
            assertTrue(Files.exists(file), file + " is missing: run with -Dkiln.golden.write=true and review it");
            assertEquals(Files.readString(file), e.getValue(), "the CUDA C of " + e.getKey() + " changed: run with "
                    + "-Dkiln.golden.write=true, review the diff with " + actual + " and move it over the golden file");
        }
        assertTrue(written.isEmpty(), "wrote " + written + " (write mode never passes): review each against its golden file "
                + "and move it over");
    }

    @Test
    void theGemmHasItsEpilogueAndTheCubicStepIsOneLoop() {
        String cubic = Kiln.explainCuda(cubicStep());
        assertEquals(1, cubic.lines().filter(l -> l.matches("  k\\d+<<<.*")).count(),
                cubic);
        String mlp = Kiln.explainCuda(mlpInference());
        assertTrue(mlp.contains("with the fused epilogue"), mlp);
        // ReLU in the GEMM's epilogue, as where(x <= 0, 0, x) so NaN stays NaN (the helpers' text holds no such compare)
        assertTrue(mlp.lines().anyMatch(l -> l.matches(" +const double v\\d+ = kiln_bool\\(v\\d+ <= v\\d+\\);")),
                "ReLU in the GEMM's epilogue:\n" + mlp);
    }

    /**
     * {@code Kiln.cudaSource} is the module alone, the end of what {@code explainCuda} shows: nvcc
     * compiles it as saved, with every warning an error (no unused helper or variable), and no kernel
     * spills registers.
     */
    @Test
    void theSeedsCudaSourceCompilesWithNvccAsSavedWithoutWarningsOrSpills() {
        for (Map.Entry<String, CompiledFunction> e : functions().entrySet()) {
            compilesAsSaved(e.getKey(), e.getValue(), Kiln.cudaSource(e.getValue()), CudaModule.OPTIONS);
        }
    }

    /** The same in FAST precision: float32 in float, compiled with {@code --fmad=true}. */
    @Test
    void theSeedsFastCudaSourceCompilesWithNvccAsSavedWithoutWarningsOrSpills() {
        for (Map.Entry<String, CompiledFunction> e : functions().entrySet()) {
            compilesAsSaved(e.getKey() + "_fast", e.getValue(), fast(() -> Kiln.cudaSource(e.getValue())), CudaModule.FAST_OPTIONS);
        }
    }

    private static void compilesAsSaved(String name, CompiledFunction f, String source, List<String> options) {
        assertTrue(source.startsWith("// Kiln CUDA module: "), source);
        assertTrue(source.contains("\n// nvcc options: " + String.join(" ", options) + "\n"), source.lines().limit(3).toList().toString());
        assertTrue(options != CudaModule.OPTIONS || Kiln.explainCuda(f).endsWith(source), "explainCuda ends with the module");
        List<String> names = new ArrayList<>();
        for (String l : source.lines().toList()) {
            if (l.startsWith("KILN_ENTRY void ")) {
                names.add(l.substring("KILN_ENTRY void ".length(), l.indexOf('(')));
            }
        }
        List<Nvcc.Usage> usage = Nvcc.compile(new CudaModule(source, List.of(), options), name);
        assertEquals(names.size(), usage.size(), name + ": " + usage);
        for (Nvcc.Usage u : usage) {
            assertEquals(0, u.spillStores() + u.spillLoads(), name + " spills in " + u);
        }
        System.out.println(name + ": " + usage);
    }
}
