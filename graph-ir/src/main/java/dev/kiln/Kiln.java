package dev.kiln;

/**
 * Entry points and per-thread state: grad mode, anomaly detection and the default generator
 * belong to the calling thread, as in PyTorch.
 */
public final class Kiln {
    /** PyTorch's default seed, so a fresh thread draws reproducible numbers. */
    public static final long DEFAULT_SEED = 67280421310721L;

    private static final ThreadLocal<boolean[]> GRAD_ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});
    private static final ThreadLocal<boolean[]> ANOMALY = ThreadLocal.withInitial(() -> new boolean[] {false});
    private static final ThreadLocal<Generator> GENERATOR = ThreadLocal.withInitial(() -> new Generator(DEFAULT_SEED));
    private static final ThreadLocal<DType[]> DEFAULT_DTYPE = ThreadLocal.withInitial(() -> new DType[] {DType.FLOAT32});
    /** Where factories put tensors when no device is named: the system property {@code kiln.device}, else the CPU. */
    private static final Device INITIAL_DEVICE = Device.parse(System.getProperty("kiln.device", "cpu"));
    private static final ThreadLocal<Device[]> DEFAULT_DEVICE = ThreadLocal.withInitial(() -> new Device[] {INITIAL_DEVICE});

    private Kiln() {
    }

    /**
     * A scope in which ops record nothing for autograd, as {@code torch.no_grad()}:
     * {@code try (var g = Kiln.noGrad()) { ... }}. Per thread; closing it restores the mode before it.
     *
     * @return the scope, to close (try-with-resources)
     */
    public static Scope noGrad() {
        return setGradEnabled(false);
    }

    /**
     * A scope that re-enables recording inside a {@link #noGrad()} scope, as {@code torch.enable_grad()}.
     *
     * @return the scope, to close (try-with-resources)
     */
    public static Scope enableGrad() {
        return setGradEnabled(true);
    }

    private static Scope setGradEnabled(boolean on) {
        boolean[] state = GRAD_ENABLED.get();
        boolean before = state[0];
        state[0] = on;
        return () -> state[0] = before;
    }

    /**
     * Whether ops on the calling thread record for autograd, as {@code torch.is_grad_enabled()}.
     *
     * @return false inside a {@link #noGrad()} scope, true otherwise (and by default)
     */
    public static boolean isGradEnabled() {
        return GRAD_ENABLED.get()[0];
    }

    /**
     * A scope in which ops record the user's source line (costly: a stack walk per op), and
     * backward checks every gradient for NaN/Inf, naming the forward op that produced it, as
     * {@code torch.autograd.detect_anomaly()}. Per thread.
     *
     * @return the scope, to close (try-with-resources)
     */
    public static Scope detectAnomaly() {
        boolean[] state = ANOMALY.get();
        boolean before = state[0];
        state[0] = true;
        return () -> state[0] = before;
    }

    /**
     * Whether the calling thread is in a {@link #detectAnomaly()} scope, as {@code torch.is_anomaly_enabled()}.
     *
     * @return true inside such a scope
     */
    public static boolean isAnomalyDetectionEnabled() {
        return ANOMALY.get()[0];
    }

    /**
     * A scope in which factories without a dtype ({@code zeros(2, 3)}, {@code randn(4)},
     * {@code Tensor.of(1.0, 2.0)}) and new module parameters ({@code new Linear(3, 1)}) are of
     * {@code dtype}, a floating type: {@code try (var s = Kiln.defaultDtype(DType.FLOAT64)) { ... }}.
     * Per thread, as grad mode is (PyTorch's {@code set_default_dtype}, scoped; float32 outside any).
     *
     * @param dtype the default floating type inside the scope: float32 or float64
     * @return the scope, to close (try-with-resources)
     * @throws KilnException if {@code dtype} is null or not a floating type
     */
    public static Scope defaultDtype(DType dtype) {
        if (dtype == null || !dtype.isFloating()) {
            throw new KilnException("the default dtype must be a floating type (float32 or float64), got " + dtype);
        }
        return set(DEFAULT_DTYPE.get(), dtype);
    }

    /** Sets a per-thread setting until the scope closes. */
    private static <T> Scope set(T[] state, T value) {
        T before = state[0];
        state[0] = value;
        return () -> state[0] = before;
    }

    /**
     * The calling thread's default floating dtype, as {@code torch.get_default_dtype()}.
     *
     * @return float32 unless a {@link #defaultDtype(DType)} scope says otherwise
     */
    public static DType defaultDtype() {
        return DEFAULT_DTYPE.get()[0];
    }

    /**
     * A scope in which factories ({@code zeros}, {@code randn}, {@code Tensor.of}, a module's
     * parameters) create tensors on {@code device}, as PyTorch's {@code torch.set_default_device}:
     * {@code try (var s = Kiln.defaultDevice(Device.cuda(0))) { ... }}. Threads start on the device
     * the system property {@code kiln.device} names ({@code -Dkiln.device=cuda:0}), else the CPU.
     *
     * @param device the device factories use inside the scope
     * @return the scope, to close (try-with-resources)
     * @throws KilnException if {@code device} is null
     */
    public static Scope defaultDevice(Device device) {
        if (device == null) {
            throw new KilnException("the default device must not be null");
        }
        return set(DEFAULT_DEVICE.get(), device);
    }

    /**
     * The calling thread's default device (see {@link #defaultDevice(Device)}), as {@code torch.get_default_device()}.
     *
     * @return the device factories put tensors on when none is named
     */
    public static Device defaultDevice() {
        return DEFAULT_DEVICE.get()[0];
    }

    /**
     * Seeds the calling thread's default generator and rewinds it, as {@code torch.manual_seed}.
     *
     * @param seed the new seed; draws after it are reproducible
     */
    public static void manualSeed(long seed) {
        GENERATOR.get().manualSeed(seed);
    }

    /**
     * The calling thread's default generator, as {@code torch.default_generator}: the one random factories
     * ({@code randn}, {@code rand}) and parameter initializers draw from when given none. Each thread's starts at
     * {@link #DEFAULT_SEED}.
     *
     * @return the calling thread's generator
     */
    public static Generator defaultGenerator() {
        return GENERATOR.get();
    }

    /** How many plans a compiled function keeps unless told otherwise. */
    public static final int DEFAULT_PLANS = 64;

    /**
     * Compiles {@code fn}, which may be a whole training step (zeroGrad, forward, loss, backward,
     * optimizer step): traced once per input signature, then replayed, as {@code torch.compile}. Static mode,
     * keeping at most {@link #DEFAULT_PLANS} plans. See {@link CompiledFunction}.
     * {@snippet file="ApiSnippets.java" region="compile"}
     *
     * @param fn the function to compile
     * @return the compiled function; nothing is traced until its first call
     * @throws KilnException if {@code fn} is null
     */
    public static CompiledFunction compile(Step fn) {
        return compile(fn, CompiledFunction.Mode.STATIC, DEFAULT_PLANS);
    }

    /**
     * Compiles {@code fn} in the given mode. {@code DYNAMIC} re-traces every call (for models with
     * Java control flow in forward) and finds compiled plans by the trace's structure. Either mode
     * keeps at most {@link #DEFAULT_PLANS} plans, least recently used evicted first.
     *
     * @param fn the function to compile
     * @param mode {@code STATIC} (trace once per input signature) or {@code DYNAMIC} (trace every call)
     * @return the compiled function; nothing is traced until its first call
     * @throws KilnException if {@code fn} or {@code mode} is null
     */
    public static CompiledFunction compile(Step fn, CompiledFunction.Mode mode) {
        return compile(fn, mode, DEFAULT_PLANS);
    }

    /**
     * As {@link #compile(Step, CompiledFunction.Mode)}, keeping at most {@code plans} plans.
     *
     * @param fn the function to compile
     * @param mode {@code STATIC} (trace once per input signature) or {@code DYNAMIC} (trace every call)
     * @param plans how many compiled plans to keep, least recently used evicted first; at least 1
     * @return the compiled function; nothing is traced until its first call
     * @throws KilnException if {@code fn} or {@code mode} is null or {@code plans} is below 1
     */
    public static CompiledFunction compile(Step fn, CompiledFunction.Mode mode, int plans) {
        checkCompile("Kiln.compile", fn, mode, plans);
        return VizCapture.track(new CompiledFunction(in -> java.util.List.of(fn.apply(in)), mode, plans));
    }

    /**
     * Compiles a function that returns several tensors (a loss and metrics, say): as
     * {@link #compile(Step)}, with every output returned by {@link CompiledFunction#callAll}.
     *
     * @param fn the function to compile
     * @return the compiled function, static mode, keeping at most {@link #DEFAULT_PLANS} plans
     * @throws KilnException if {@code fn} is null
     */
    public static CompiledFunction compileAll(MultiStep fn) {
        return compileAll(fn, CompiledFunction.Mode.STATIC, DEFAULT_PLANS);
    }

    /**
     * As {@link #compileAll(MultiStep)}, in the given mode, keeping at most {@code plans} plans.
     *
     * @param fn the function to compile
     * @param mode {@code STATIC} (trace once per input signature) or {@code DYNAMIC} (trace every call)
     * @param plans how many compiled plans to keep, least recently used evicted first; at least 1
     * @return the compiled function; nothing is traced until its first call
     * @throws KilnException if {@code fn} or {@code mode} is null or {@code plans} is below 1
     */
    public static CompiledFunction compileAll(MultiStep fn, CompiledFunction.Mode mode, int plans) {
        checkCompile("Kiln.compileAll", fn, mode, plans);
        return VizCapture.track(new CompiledFunction(fn, mode, plans));
    }

    private static void checkCompile(String what, Object fn, CompiledFunction.Mode mode, int plans) {
        if (fn == null) {
            throw new KilnException(what + ": the function to compile (fn) is null");
        }
        if (mode == null) {
            throw new KilnException(what + ": the mode is null; pass CompiledFunction.Mode.STATIC or"
                    + " CompiledFunction.Mode.DYNAMIC");
        }
        if (plans < 1) {
            throw new KilnException(what + ": a compiled function needs room for at least one plan, got " + plans);
        }
    }

    private static volatile int threads = Math.max(1, Integer.getInteger("kiln.threads",
            Runtime.getRuntime().availableProcessors()));

    /**
     * How many threads a backend may use for one large kernel (PyTorch's {@code set_num_threads}):
     * the calling thread and up to {@code n - 1} of the backend's own bounded pool. Defaults to the
     * number of processors, or the system property {@code kiln.threads}. Results do not depend on
     * it: work is split the same way whatever the count, and combined in a fixed order. Global, not per thread.
     *
     * @param n the number of threads, at least 1
     * @throws KilnException if {@code n} is below 1
     */
    public static void setNumThreads(int n) {
        if (n < 1) {
            throw new KilnException("setNumThreads: need at least one thread, got " + n);
        }
        threads = n;
    }

    /**
     * How many threads a backend may use for one large kernel, as {@code torch.get_num_threads()}.
     *
     * @return the count last set by {@link #setNumThreads}, else {@code kiln.threads}, else the number of processors
     */
    public static int numThreads() {
        return threads;
    }

    /**
     * The traced graph, optimized graph and plan of a compiled function's last call, readable.
     *
     * @param f the compiled function
     * @return the text of {@link CompiledFunction#explain()}; {@code "not called yet"} before its first call
     */
    public static String explain(CompiledFunction f) {
        return f.explain();
    }

    /**
     * The last plan of {@code f} as CUDA C, to read: each launch (grid, block, arguments) in order, then
     * the module's text, as the CUDA backend would compile it ({@code nvcc -cubin -arch=sm_90} or NVRTC).
     * To compile it yourself, take {@link #cudaSource}: this text starts with the launches.
     *
     * @param f the compiled function, called at least once on any device
     * @return the launches and module text; {@code "not called yet"} before its first call
     * @throws KilnException if the CUDA backend ({@code kiln-runtime-cuda}) is not on the class path
     */
    public static String explainCuda(CompiledFunction f) {
        return f.explainCuda();
    }

    /**
     * The last plan of {@code f} as one CUDA C module alone, with no launch list before it: save it as
     * a {@code .cu} file and {@code nvcc -cubin -arch=sm_90 --fmad=false} compiles it as it is, without
     * warnings (its first lines name the options its rounding depends on). Entries are {@code extern "C"};
     * {@link #explainCuda} says how the plan launches them.
     *
     * @param f the compiled function, called at least once on any device
     * @return the CUDA C module's text
     * @throws KilnException before {@code f}'s first call, or if the CUDA backend is not on the class path
     */
    public static String cudaSource(CompiledFunction f) {
        return f.cudaSource();
    }

    /**
     * Writes the graph viewer's page of {@code f}'s last call to {@code kiln-viz.html} in the working
     * directory and returns its path: see {@link #viz(CompiledFunction, java.nio.file.Path)}.
     *
     * @param f the compiled function, called at least once
     * @return the path written, {@code kiln-viz.html}
     * @throws KilnException before {@code f}'s first call, without {@code kiln-runtime-cpu} on the class path, or if
     *     the file cannot be written
     */
    public static java.nio.file.Path viz(CompiledFunction f) {
        return viz(f, java.nio.file.Path.of("kiln-viz.html"));
    }

    /**
     * Writes the graph viewer's page of {@code f}'s last call to {@code html}, one self-contained file
     * that opens without a network: the traced graph (forward, backward and updates, each node with its
     * op, shape and dtype), the graph after each optimization pass with the rules that fired, and the
     * fused plan with its kernels drawn as clusters, whose generated code (JVM bytecode as text, CUDA C)
     * opens on a click. Graphviz's {@code dot} lays the graphs out when it is installed; without it the
     * page offers the DOT text and says so. Returns {@code html}.
     *
     * @param f the compiled function, called at least once
     * @param html the file to write (its directories are created); a {@code .html} suffix is left off the page's title
     * @return {@code html}
     * @throws KilnException before {@code f}'s first call, without {@code kiln-runtime-cpu} on the class path, or if
     *     the file cannot be written
     */
    public static java.nio.file.Path viz(CompiledFunction f, java.nio.file.Path html) {
        String page = VizPages.renderer("Kiln.viz").html(VizPages.data(f, html.getFileName().toString().replaceFirst("\\.html$", "")));
        try {
            java.nio.file.Path parent = html.toAbsolutePath().getParent();
            if (parent != null) {
                java.nio.file.Files.createDirectories(parent);
            }
            java.nio.file.Files.writeString(html, page);
        } catch (java.io.IOException e) {
            throw new KilnException("Kiln.viz: cannot write " + html + ": " + e.getMessage(), e);
        }
        return html;
    }

    /**
     * Serves {@code f}'s graph viewer live on 127.0.0.1:{@code port} (0 picks a free port) with the JDK's
     * HTTP server, for a training run to watch: the page {@link #viz} writes (shown once {@code f} has
     * been called, and redrawn when it compiles a new plan) above a panel that follows {@code f}'s calls
     * from now on — the loss (its first result, where that is one number), each call's time, and the
     * plan caches' {@link CompiledFunction#stats()} — refreshed every second. Timing a call costs two
     * clock reads. Close the returned server to stop.
     *
     * @param f the compiled function to watch
     * @param port the TCP port on 127.0.0.1, or 0 for any free one
     * @return the running server, whose {@link VizServer#uri()} is the page
     * @throws KilnException if the port is not one or cannot be bound, naming it
     */
    public static VizServer serveViz(CompiledFunction f, int port) {
        if (port < 0 || port > 65535) {
            throw new KilnException("Kiln.serveViz: port " + port + " is not a TCP port (0 to 65535; 0 picks a free one)");
        }
        f.logCalls();
        try {
            return VizPages.renderer("Kiln.serveViz").serve("compiled function", () -> f.called() ? VizPages.data(f, "live") : null,
                    () -> f.called() ? f.stats().compiles() : -1, () -> f.liveMetrics(1000), port);
        } catch (java.io.IOException e) {
            throw new KilnException("Kiln.serveViz: cannot serve on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
    }

    /** A thread-confined mode switch, restored by {@link #close()}. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        /** Restores the setting as it was when the scope opened; throws no checked exception. */
        @Override
        void close();
    }
}
