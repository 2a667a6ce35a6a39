package dev.kiln.cuda.mock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.cpu.Interpreter;
import dev.kiln.cuda.LaunchArguments;
import dev.kiln.cuda.emu.Emulator;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.TensorData;
import dev.kiln.tests.Props;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mock CUDA driver and NVRTC, called through FFM as the runtime calls them: real codes for real mistakes. */
class MockDriverTest {
    // CUresult and nvrtcResult codes, from cuda.h and nvrtc.h
    private static final int SUCCESS = 0;
    private static final int INVALID_VALUE = 1;
    private static final int OUT_OF_MEMORY = 2;
    private static final int NOT_INITIALIZED = 3;
    private static final int INVALID_IMAGE = 200;
    private static final int INVALID_CONTEXT = 201;
    private static final int NO_BINARY_FOR_GPU = 209;
    private static final int NOT_FOUND = 500;
    private static final int ILLEGAL_ADDRESS = 700;
    private static final int LAUNCH_OUT_OF_RESOURCES = 701;
    private static final int CONTEXT_IS_DESTROYED = 709;
    private static final int LAUNCH_FAILED = 719;
    private static final int STREAM_CAPTURE_UNSUPPORTED = 900;
    private static final int STREAM_CAPTURE_INVALIDATED = 901;
    private static final int NVRTC_ERROR_INVALID_OPTION = 5;
    private static final int NVRTC_ERROR_COMPILATION = 6;

    /** A module as Kiln writes one: the device helpers, then entries. */
    private static final String KERNELS = """
            KILN_ENTRY void add(const float* a, float* out, long long n, double c) {
                for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
                    kiln_store(out, i, (double) a[i] + c);
                }
            }

            KILN_ENTRY void divergent(float* out) {
                if (threadIdx.x == 3) {
                    return;
                }
                __syncthreads();
                out[threadIdx.x] = 1.0f;
            }
            """;
    private static Driver cu;
    private static byte[] kernels;
    private final Arena arena = Arena.ofAuto();

    @BeforeAll
    static void build() {
        Assumptions.assumeTrue(MockCuda.available(), "g++ or cuda.h is missing: the mock CUDA driver cannot be built");
        cu = new Driver(MockCuda.build());
        MockCuda.reset();
        kernels = cu.compile(helpers() + KERNELS, "kernels.cu", "--gpu-architecture=sm_90", "--fmad=false");
        MockCuda.Stats s = MockCuda.stats();
        System.out.printf("mock NVRTC: one module (device helpers + 2 entries) compiled by g++ in %.2f s%n", s.nvrtcCompileNanos() / 1e9);
    }

    @BeforeEach
    void fresh() {
        MockCuda.reset();
    }

    private static String helpers() {
        try (InputStream in = CudaEmitter.class.getResourceAsStream("kiln_device.cuh")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** cuInit, the primary context of device 0, current on this thread. */
    private MemorySegment context() {
        assertEquals(SUCCESS, cu.call("cuInit", 0));
        MemorySegment ctx = arena.allocate(ValueLayout.ADDRESS);
        assertEquals(SUCCESS, cu.call("cuDevicePrimaryCtxRetain", ctx, 0));
        assertEquals(SUCCESS, cu.call("cuCtxSetCurrent", ctx.get(ValueLayout.ADDRESS, 0)));
        return ctx.get(ValueLayout.ADDRESS, 0);
    }

    private long alloc(long bytes) {
        MemorySegment p = arena.allocate(ValueLayout.JAVA_LONG);
        assertEquals(SUCCESS, cu.call("cuMemAlloc_v2", p, bytes));
        return p.get(ValueLayout.JAVA_LONG, 0);
    }

    private MemorySegment floats(float... v) {
        return arena.allocateFrom(ValueLayout.JAVA_FLOAT, v);
    }

    private float[] read(long device, int n) {
        MemorySegment h = arena.allocate(ValueLayout.JAVA_FLOAT, n);
        assertEquals(SUCCESS, cu.call("cuMemcpyDtoH_v2", h, device, 4L * n));
        return h.toArray(ValueLayout.JAVA_FLOAT);
    }

    private MemorySegment function(byte[] image, String name) {
        MemorySegment module = arena.allocate(ValueLayout.ADDRESS);
        assertEquals(SUCCESS, cu.call("cuModuleLoadData", module, arena.allocateFrom(ValueLayout.JAVA_BYTE, image)));
        MemorySegment f = arena.allocate(ValueLayout.ADDRESS);
        assertEquals(SUCCESS, cu.call("cuModuleGetFunction", f, module.get(ValueLayout.ADDRESS, 0), arena.allocateFrom(name)));
        return f.get(ValueLayout.ADDRESS, 0);
    }

    /** The four argument cells of add(a, out, n, c) and the void** array pointing at them. */
    private MemorySegment[] addArgs(long a, long out, long n, double c) {
        MemorySegment[] cells = {arena.allocateFrom(ValueLayout.JAVA_LONG, a), arena.allocateFrom(ValueLayout.JAVA_LONG, out),
                arena.allocateFrom(ValueLayout.JAVA_LONG, n), arena.allocateFrom(ValueLayout.JAVA_DOUBLE, c), null};
        cells[4] = arena.allocate(ValueLayout.ADDRESS, 4);
        for (int i = 0; i < 4; i++) {
            cells[4].setAtIndex(ValueLayout.ADDRESS, i, cells[i]);
        }
        return cells;
    }

    private int launch(MemorySegment f, int grid, int block, MemorySegment stream, MemorySegment params) {
        return cu.call("cuLaunchKernel", f, grid, 1, 1, block, 1, 1, 0, stream, params, MemorySegment.NULL);
    }

    @Test
    void callsNeedInitAndAContextCurrentOnTheCallingThread() throws Exception {
        MemorySegment p = arena.allocate(ValueLayout.JAVA_LONG);
        assertEquals(NOT_INITIALIZED, cu.call("cuMemAlloc_v2", p, 64L));
        MemorySegment version = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(SUCCESS, cu.call("cuDriverGetVersion", version));
        assertEquals(13000, version.get(ValueLayout.JAVA_INT, 0));
        assertEquals(SUCCESS, cu.call("cuInit", 0));
        assertEquals(INVALID_CONTEXT, cu.call("cuMemAlloc_v2", p, 64L), "initialized, but no context is current");
        MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(SUCCESS, cu.call("cuDeviceGetCount", count));
        assertEquals(1, count.get(ValueLayout.JAVA_INT, 0));
        MemorySegment name = arena.allocate(64);
        assertEquals(SUCCESS, cu.call("cuDeviceGetName", name, 64, 0));
        assertEquals("Kiln mock GPU (host emulator)", name.getString(0));
        MemorySegment attr = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(SUCCESS, cu.call("cuDeviceGetAttribute", attr, 75, 0)); // COMPUTE_CAPABILITY_MAJOR
        assertEquals(9, attr.get(ValueLayout.JAVA_INT, 0));
        assertEquals(SUCCESS, cu.call("cuDeviceGetAttribute", attr, 1, 0)); // MAX_THREADS_PER_BLOCK
        assertEquals(1024, attr.get(ValueLayout.JAVA_INT, 0));
        assertEquals(INVALID_VALUE, cu.call("cuDeviceGetAttribute", attr, 100000, 0));

        context();
        long d = alloc(64);
        // the rule "one platform thread per device": a thread that has not made the context current gets INVALID_CONTEXT
        int other = CompletableFuture.supplyAsync(() -> cu.call("cuMemsetD8_v2", d, (byte) 1, 64L), r -> new Thread(r).start()).get();
        assertEquals(INVALID_CONTEXT, other);
        MemorySegment ctx = arena.allocate(ValueLayout.ADDRESS);
        assertEquals(SUCCESS, cu.call("cuCtxGetCurrent", ctx));
        MemorySegment handle = ctx.get(ValueLayout.ADDRESS, 0);
        int bound = CompletableFuture.supplyAsync(() -> {
            assertEquals(SUCCESS, cu.call("cuCtxSetCurrent", handle));
            return cu.call("cuMemsetD8_v2", d, (byte) 1, 64L);
        }, r -> new Thread(r).start()).get();
        assertEquals(SUCCESS, bound);
        MemorySegment text = arena.allocate(ValueLayout.ADDRESS);
        assertEquals(SUCCESS, cu.call("cuGetErrorName", INVALID_CONTEXT, text));
        assertEquals("CUDA_ERROR_INVALID_CONTEXT", text.get(ValueLayout.ADDRESS, 0).reinterpret(64).getString(0));
        assertEquals(SUCCESS, cu.call("cuGetErrorString", OUT_OF_MEMORY, text));
        assertEquals("out of memory", text.get(ValueLayout.ADDRESS, 0).reinterpret(64).getString(0));
        assertEquals(SUCCESS, cu.call("cuDevicePrimaryCtxRelease_v2", 0));
        assertEquals(CONTEXT_IS_DESTROYED, cu.call("cuMemAlloc_v2", p, 64L), "the last release destroyed the primary context");
    }

    @Test
    void memoryIsCheckedAgainstLiveAllocationsAndTheLimit() {
        context();
        long a = alloc(1000);
        long b = alloc(1000);
        assertEquals(0, a % 256, "256-byte aligned");
        float[] v = new float[250];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5f;
        }
        assertEquals(SUCCESS, cu.call("cuMemcpyHtoD_v2", a, floats(v), 1000L));
        assertEquals(SUCCESS, cu.call("cuMemcpyDtoD_v2", b, a, 1000L));
        assertArrayEquals(v, read(b, 250));
        assertEquals(SUCCESS, cu.call("cuMemsetD8_v2", b + 4, (byte) 0, 4L));
        assertEquals(0f, read(b, 2)[1]);
        assertEquals(INVALID_VALUE, cu.call("cuMemcpyHtoD_v2", a + 4, floats(v), 1000L), "4 bytes past the allocation's end");
        assertEquals(INVALID_VALUE, cu.call("cuMemcpyDtoH_v2", floats(v), a - 256, 4L), "before the allocation");
        assertEquals(INVALID_VALUE, cu.call("cuMemFree_v2", a + 8), "not an allocation's start");
        assertEquals(SUCCESS, cu.call("cuMemFree_v2", a));
        assertEquals(INVALID_VALUE, cu.call("cuMemFree_v2", a), "freed twice");
        assertEquals(INVALID_VALUE, cu.call("cuMemcpyDtoD_v2", b, a, 4L), "a freed source");

        MockCuda.setMemoryLimit(4096);
        MemorySegment p = arena.allocate(ValueLayout.JAVA_LONG);
        assertEquals(OUT_OF_MEMORY, cu.call("cuMemAlloc_v2", p, 4096L - 999));
        long c = alloc(3096);
        MemorySegment free = arena.allocate(ValueLayout.JAVA_LONG);
        MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
        assertEquals(SUCCESS, cu.call("cuMemGetInfo_v2", free, total));
        assertEquals(0, free.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(4096, total.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(SUCCESS, cu.call("cuMemFree_v2", c));
        MockCuda.Stats s = MockCuda.stats();
        assertEquals(3, s.allocs());
        assertEquals(2, s.frees());
        assertEquals(1000, s.liveBytes());
        assertEquals(4, s.memcpys(), "HtoD, DtoD and two DtoH");
    }

    @Test
    void aKernelCompiledByNvrtcRunsOnLaunchAndItsGeometryIsChecked() {
        context();
        MemorySegment add = function(kernels, "add");
        long a = alloc(4 * 1000);
        long out = alloc(4 * 1000);
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        assertEquals(SUCCESS, cu.call("cuMemcpyHtoD_v2", a, floats(v), 4000L));
        MemorySegment[] args = addArgs(a, out, 1000, 0.25);
        assertEquals(SUCCESS, launch(add, 2, 256, MemorySegment.NULL, args[4]));
        float[] got = read(out, 1000);
        for (int i = 0; i < v.length; i++) {
            assertEquals(i + 0.25f, got[i]);
        }
        assertEquals(INVALID_VALUE, launch(add, 1, 1025, MemorySegment.NULL, args[4]), "more than 1024 threads per block");
        assertEquals(INVALID_VALUE, launch(add, 0, 256, MemorySegment.NULL, args[4]), "an empty grid");
        assertEquals(INVALID_VALUE, launch(add, 1, 256, MemorySegment.NULL, MemorySegment.NULL), "no kernelParams for a kernel with four");
        MemorySegment f = arena.allocate(ValueLayout.ADDRESS);
        MemorySegment module = arena.allocate(ValueLayout.ADDRESS);
        assertEquals(SUCCESS, cu.call("cuModuleLoadData", module, arena.allocateFrom(ValueLayout.JAVA_BYTE, kernels)));
        assertEquals(NOT_FOUND, cu.call("cuModuleGetFunction", f, module.get(ValueLayout.ADDRESS, 0), arena.allocateFrom("kiln_store")));
        assertEquals(INVALID_IMAGE, cu.call("cuModuleLoadData", module, arena.allocateFrom("// PTX text\n.version 9.0\n")));
        MockCuda.Stats s = MockCuda.stats();
        assertEquals(1, s.kernelLaunches());
        assertEquals(2, s.modulesLoaded());
    }

    @Test
    void anEmittedPlanRunsThroughTheDriverAsTheInterpreterComputesIt() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", TensorType.of(DType.FLOAT64, 37, 5));
        Node y = b.input("y", TensorType.of(DType.FLOAT64, 37, 5));
        Graph g = b.build(o.add(o.mul(x, y), o.exp(x)), o.sumAll(o.mul(x, x)));
        CudaPlan cuda = CudaEmitter.emit(new CompiledPlan(g).plan());
        List<TensorData> in = List.of(Tensors.data(Props.normal(Shape.of(37, 5), 1)), Tensors.data(Props.normal(Shape.of(37, 5), 2)));
        List<TensorData> expected = Interpreter.run(g, Map.of(0, in.get(0), 1, in.get(1)));

        List<String> options = new ArrayList<>(cuda.module().options());
        options.add("-arch=sm_90");
        byte[] image = cu.compile(cuda.module().source(), "plan.cu", options.toArray(String[]::new));
        context();
        Plan plan = cuda.plan();
        MemorySegment[] buffers = new MemorySegment[plan.buffers().size()];
        for (int i = 0; i < buffers.length; i++) {
            long bytes = Math.max(8, plan.buffers().get(i).shape().numelLong() * 8);
            buffers[i] = MemorySegment.ofAddress(alloc(bytes)).reinterpret(bytes);
        }
        MemorySegment slots = MemorySegment.ofAddress(alloc(8L * Math.max(1, plan.scalarSlots()))).reinterpret(8L * Math.max(1, plan.scalarSlots()));
        MemorySegment scratch = MemorySegment.ofAddress(alloc(8L * Math.max(1, cuda.scratchDoubles())));
        MemorySegment status = MemorySegment.ofAddress(alloc(16));
        assertEquals(SUCCESS, cu.call("cuMemsetD8_v2", status.address(), (byte) 0, 16L));
        for (int i = 0; i < in.size(); i++) {
            MemorySegment host = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, Tensors.wrap(in.get(i)).toDoubleArray());
            assertEquals(SUCCESS, cu.call("cuMemcpyHtoD_v2", buffers[plan.inputs().get(i)].address(), host, host.byteSize()));
        }
        MemorySegment module = arena.allocate(ValueLayout.ADDRESS);
        assertEquals(SUCCESS, cu.call("cuModuleLoadData", module, arena.allocateFrom(ValueLayout.JAVA_BYTE, image)));
        Map<String, MemorySegment> functions = new HashMap<>();
        LaunchArguments.Memory memory = new LaunchArguments.Memory(buffers, slots, scratch, status);
        for (CudaPlan.Launch l : cuda.launches()) {
            MemorySegment f = functions.computeIfAbsent(l.entry(), e -> {
                MemorySegment h = arena.allocate(ValueLayout.ADDRESS);
                assertEquals(SUCCESS, cu.call("cuModuleGetFunction", h, module.get(ValueLayout.ADDRESS, 0), arena.allocateFrom(e)));
                return h.get(ValueLayout.ADDRESS, 0);
            });
            CudaModule.Entry e = cuda.module().entry(l.entry());
            assertEquals(SUCCESS, cu.call("cuLaunchKernel", f, l.grid()[0], l.grid()[1], l.grid()[2], l.block()[0], l.block()[1], l.block()[2], 0,
                    MemorySegment.NULL, LaunchArguments.pack(arena, l, e, memory), MemorySegment.NULL), l.toString());
        }
        for (int k = 0; k < plan.outputs().size(); k++) {
            double[] want = Tensors.wrap(expected.get(k)).toDoubleArray();
            MemorySegment host = arena.allocate(ValueLayout.JAVA_DOUBLE, want.length);
            assertEquals(SUCCESS, cu.call("cuMemcpyDtoH_v2", host, buffers[plan.outputs().get(k)].address(), host.byteSize()));
            double[] got = host.toArray(ValueLayout.JAVA_DOUBLE);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-12 * Math.max(1, Math.abs(want[i])), "output " + k + " element " + i);
            }
        }
        assertEquals(cuda.launches().size(), MockCuda.stats().kernelLaunches());
    }

    @Test
    void aCompileErrorNamesTheLineAndUnknownOptionsAreRefused() {
        String bad = helpers() + "KILN_ENTRY void broken(float* out) {\n    out[0] = undeclared_name;\n}\n";
        int line = (int) helpers().lines().count() + 2;
        Driver.Compiled c = cu.tryCompile(bad, "broken.cu", "--gpu-architecture=sm_90");
        assertEquals(NVRTC_ERROR_COMPILATION, c.result());
        assertTrue(c.log().contains("broken.cu:" + line + ":"), "the log names line " + line + ":\n" + c.log());
        assertTrue(c.log().contains("undeclared_name"), c.log());
        assertEquals(NVRTC_ERROR_INVALID_OPTION, cu.tryCompile(KERNELS, "k.cu", "--gpu-architecture=sm_90", "-G").result());
        assertEquals(NVRTC_ERROR_INVALID_OPTION, cu.tryCompile(KERNELS, "k.cu", "--fmad=false").result(), "no architecture: the mock makes only CUBIN");
        assertEquals(1, MockCuda.stats().nvrtcCompiles(), "a refused option runs no compiler");
    }

    @Test
    void aCapturedGraphReplaysTheArgumentsOfItsRecording() {
        context();
        MemorySegment add = function(kernels, "add");
        MemorySegment streamCell = arena.allocate(ValueLayout.ADDRESS);
        assertEquals(SUCCESS, cu.call("cuStreamCreate", streamCell, 1)); // CU_STREAM_NON_BLOCKING
        MemorySegment stream = streamCell.get(ValueLayout.ADDRESS, 0);
        long a = alloc(4 * 8);
        long out = alloc(4 * 8);
        MemorySegment input = floats(1, 2, 3, 4, 5, 6, 7, 8);
        assertEquals(SUCCESS, cu.call("cuStreamBeginCapture_v2", stream, 0)); // CU_STREAM_CAPTURE_MODE_GLOBAL
        assertEquals(SUCCESS, cu.call("cuMemcpyHtoDAsync_v2", a, input, 32L, stream));
        MemorySegment[] args = addArgs(a, out, 8, 1.0);
        assertEquals(SUCCESS, launch(add, 1, 32, stream, args[4]));
        assertEquals(0, MockCuda.stats().kernelLaunches(), "recorded, not run");
        args[3].set(ValueLayout.JAVA_DOUBLE, 0, 100.0); // the recording copied the argument bytes: this is not seen
        args[2].set(ValueLayout.JAVA_LONG, 0, 2);
        MemorySegment graph = arena.allocate(ValueLayout.ADDRESS);
        assertEquals(SUCCESS, cu.call("cuStreamEndCapture", stream, graph));
        MemorySegment exec = arena.allocate(ValueLayout.ADDRESS);
        assertEquals(SUCCESS, cu.call("cuGraphInstantiateWithFlags", exec, graph.get(ValueLayout.ADDRESS, 0), 0L));
        assertEquals(SUCCESS, cu.call("cuGraphLaunch", exec.get(ValueLayout.ADDRESS, 0), stream));
        assertEquals(SUCCESS, cu.call("cuStreamSynchronize", stream));
        assertArrayEquals(new float[] {2, 3, 4, 5, 6, 7, 8, 9}, read(out, 8));
        input.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 41); // a copy node reads the host memory at replay, as on a GPU
        assertEquals(SUCCESS, cu.call("cuGraphLaunch", exec.get(ValueLayout.ADDRESS, 0), stream));
        assertEquals(42f, read(out, 1)[0]);
        MockCuda.Stats s = MockCuda.stats();
        assertEquals(2, s.kernelLaunches());
        assertEquals(2, s.graphLaunches());
        assertEquals(SUCCESS, cu.call("cuGraphExecDestroy", exec.get(ValueLayout.ADDRESS, 0)));
        assertEquals(SUCCESS, cu.call("cuGraphDestroy", graph.get(ValueLayout.ADDRESS, 0)));

        // a synchronous call while a stream captures in global mode is refused, and the capture is invalidated
        assertEquals(SUCCESS, cu.call("cuStreamBeginCapture_v2", stream, 0));
        assertEquals(STREAM_CAPTURE_UNSUPPORTED, cu.call("cuMemcpyHtoD_v2", a, input, 32L));
        assertEquals(STREAM_CAPTURE_UNSUPPORTED, cu.call("cuCtxSynchronize"));
        assertEquals(STREAM_CAPTURE_INVALIDATED, cu.call("cuStreamEndCapture", stream, graph));
        assertEquals(SUCCESS, cu.call("cuStreamBeginCapture_v2", stream, 0));
        assertEquals(STREAM_CAPTURE_UNSUPPORTED, cu.call("cuStreamSynchronize", stream));
        assertEquals(STREAM_CAPTURE_INVALIDATED, cu.call("cuStreamEndCapture", stream, graph));

        // a replayed memset into memory freed since the capture is an illegal address, and sticks
        long gone = alloc(64);
        assertEquals(SUCCESS, cu.call("cuStreamBeginCapture_v2", stream, 2)); // CU_STREAM_CAPTURE_MODE_RELAXED: cuMemFree is allowed
        assertEquals(SUCCESS, cu.call("cuMemsetD8Async", gone, (byte) 7, 64L, stream));
        assertEquals(SUCCESS, cu.call("cuStreamEndCapture", stream, graph));
        assertEquals(SUCCESS, cu.call("cuGraphInstantiateWithFlags", exec, graph.get(ValueLayout.ADDRESS, 0), 0L));
        assertEquals(SUCCESS, cu.call("cuMemFree_v2", gone));
        assertEquals(ILLEGAL_ADDRESS, cu.call("cuGraphLaunch", exec.get(ValueLayout.ADDRESS, 0), stream));
        assertEquals(ILLEGAL_ADDRESS, cu.call("cuStreamDestroy_v2", stream));
    }

    @Test
    void launchFailuresAreInjectedOrComeFromADivergentBarrierAndStick() {
        context();
        MemorySegment add = function(kernels, "add");
        long a = alloc(4 * 8);
        MemorySegment[] args = addArgs(a, a, 8, 1.0);
        MockCuda.failNextLaunch(LAUNCH_OUT_OF_RESOURCES);
        assertEquals(LAUNCH_OUT_OF_RESOURCES, launch(add, 1, 32, MemorySegment.NULL, args[4]));
        assertEquals(0, MockCuda.stats().kernelLaunches(), "the failed launch did not run");
        assertEquals(SUCCESS, launch(add, 1, 32, MemorySegment.NULL, args[4]), "not sticky: the next launch runs");
        MockCuda.failNextLaunch(LAUNCH_FAILED);
        assertEquals(LAUNCH_FAILED, launch(add, 1, 32, MemorySegment.NULL, args[4]));
        assertEquals(LAUNCH_FAILED, cu.call("cuMemsetD8_v2", a, (byte) 0, 4L), "sticky: the context is unusable");

        MockCuda.reset();
        context();
        MemorySegment divergent = function(kernels, "divergent");
        long out = alloc(4 * 64);
        MemorySegment params = arena.allocate(ValueLayout.ADDRESS);
        params.set(ValueLayout.ADDRESS, 0, arena.allocateFrom(ValueLayout.JAVA_LONG, out));
        assertEquals(LAUNCH_FAILED, launch(divergent, 1, 64, MemorySegment.NULL, params));
        assertEquals(LAUNCH_FAILED, cu.call("cuCtxSynchronize"));
    }

    @Test
    void aRealCubinHasNoBinaryForTheMockGpu() throws IOException {
        Assumptions.assumeTrue(Emulator.Tools.onPath("nvcc"), "nvcc is not on the PATH");
        Path dir = Files.createTempDirectory("kiln-mock-cubin");
        Files.writeString(dir.resolve("k.cu"), "extern \"C\" __global__ void k(float* x) { x[threadIdx.x] = 1.0f; }\n");
        Emulator.Tools.run(dir, List.of("nvcc", "-cubin", "-arch=sm_90", "-o", "k.cubin", "k.cu"), 120);
        byte[] cubin = Files.readAllBytes(dir.resolve("k.cubin"));
        context();
        MemorySegment module = arena.allocate(ValueLayout.ADDRESS);
        assertEquals(NO_BINARY_FOR_GPU, cu.call("cuModuleLoadData", module, arena.allocateFrom(ValueLayout.JAVA_BYTE, cubin)));
    }

    /** Downcalls into the mock by name; each argument's Java type picks its C layout (int, long, byte, pointer). */
    static final class Driver {
        private final SymbolLookup cuda;
        private final SymbolLookup nvrtc;
        private final Map<String, MethodHandle> handles = new HashMap<>();

        record Compiled(int result, String log, byte[] image) {
        }

        Driver(MockCuda.Libraries libs) {
            cuda = SymbolLookup.libraryLookup(libs.cuda(), Arena.global());
            nvrtc = SymbolLookup.libraryLookup(libs.nvrtc(), Arena.global());
        }

        int call(String name, Object... args) {
            MemoryLayout[] layouts = new MemoryLayout[args.length];
            StringBuilder key = new StringBuilder(name);
            for (int i = 0; i < args.length; i++) {
                layouts[i] = switch (args[i]) {
                    case Integer v -> ValueLayout.JAVA_INT;
                    case Long v -> ValueLayout.JAVA_LONG;
                    case Byte v -> ValueLayout.JAVA_BYTE;
                    case Double v -> ValueLayout.JAVA_DOUBLE;
                    case MemorySegment v -> ValueLayout.ADDRESS;
                    default -> throw new IllegalArgumentException("an argument of " + args[i].getClass());
                };
                key.append(',').append(layouts[i]);
            }
            MethodHandle h;
            synchronized (handles) {
                h = handles.computeIfAbsent(key.toString(), k -> Linker.nativeLinker().downcallHandle(
                        (name.startsWith("nvrtc") ? nvrtc : cuda).find(name).orElseThrow(() -> new AssertionError("the mock lacks " + name)),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, layouts)));
            }
            try {
                return (int) h.invokeWithArguments(args);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        /** nvrtcCreateProgram, nvrtcCompileProgram, the log and the CUBIN. */
        Compiled tryCompile(String source, String name, String... options) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment prog = a.allocate(ValueLayout.ADDRESS);
                assertEquals(SUCCESS, call("nvrtcCreateProgram", prog, a.allocateFrom(source), a.allocateFrom(name), 0, MemorySegment.NULL,
                        MemorySegment.NULL));
                MemorySegment p = prog.get(ValueLayout.ADDRESS, 0);
                MemorySegment opts = a.allocate(ValueLayout.ADDRESS, Math.max(1, options.length));
                for (int i = 0; i < options.length; i++) {
                    opts.setAtIndex(ValueLayout.ADDRESS, i, a.allocateFrom(options[i]));
                }
                int rc = call("nvrtcCompileProgram", p, options.length, opts);
                MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
                assertEquals(SUCCESS, call("nvrtcGetProgramLogSize", p, size));
                MemorySegment log = a.allocate(size.get(ValueLayout.JAVA_LONG, 0));
                assertEquals(SUCCESS, call("nvrtcGetProgramLog", p, log));
                byte[] image = null;
                if (rc == SUCCESS) {
                    assertEquals(SUCCESS, call("nvrtcGetCUBINSize", p, size));
                    MemorySegment cubin = a.allocate(size.get(ValueLayout.JAVA_LONG, 0));
                    assertEquals(SUCCESS, call("nvrtcGetCUBIN", p, cubin));
                    image = cubin.toArray(ValueLayout.JAVA_BYTE);
                }
                assertEquals(SUCCESS, call("nvrtcDestroyProgram", prog));
                return new Compiled(rc, log.getString(0), image);
            }
        }

        byte[] compile(String source, String name, String... options) {
            Compiled c = tryCompile(source, name, options);
            assertEquals(SUCCESS, c.result(), c.log());
            return c.image();
        }
    }
}
