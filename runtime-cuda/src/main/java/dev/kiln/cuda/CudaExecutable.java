package dev.kiln.cuda;

import dev.kiln.Device;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.spi.Executable;
import dev.kiln.spi.Layout;
import dev.kiln.spi.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A plan compiled to CUDA C and run on a device: its module is compiled and loaded at the first
 * {@link #open()}; each run takes a set of device buffers from a pool (one per plan buffer, the
 * scalar slots, the scratch and the status words), with every launch's arguments packed once for
 * that set. A set's first run launches the kernels one by one; from its second run on, the launches
 * are captured once as a CUDA graph and the graph is replayed ({@code -Dkiln.cuda.graphs=false}
 * turns that off). Inputs are copied into the set's input buffers before the launches.
 */
final class CudaExecutable implements Executable {
    private static final Cleaner CLEANER = Cleaner.create();
    static final boolean GRAPHS = !"false".equals(System.getProperty("kiln.cuda.graphs"));

    private final Device target;
    private final CudaPlan cuda;
    private final ConcurrentLinkedQueue<Buffers> pool = new ConcurrentLinkedQueue<>();
    private volatile CudaDevice device;
    private long overflows;
    private int created;

    CudaExecutable(Device target, CudaPlan cuda) {
        this.target = target;
        this.cuda = cuda;
    }

    /** One run's device memory and packed launch arguments, reused run after run. */
    static final class Buffers {
        final Allocator.Block[] blocks;
        final Allocator.Block slots;
        final Allocator.Block scratch;
        final Allocator.Block status;
        final MemorySegment[] functions;
        final MemorySegment[] arguments;
        final MemorySegment hostStatus;
        final Arena arena = Arena.ofShared();
        MemorySegment graph;
        int runs;

        Buffers(CudaDevice dev, CudaPlan cuda, CudaDevice.Loaded module) {
            Plan plan = cuda.plan();
            blocks = new Allocator.Block[plan.buffers().size()];
            MemorySegment[] addresses = new MemorySegment[blocks.length];
            for (int i = 0; i < blocks.length; i++) {
                Plan.Buffer b = plan.buffers().get(i);
                blocks[i] = dev.allocator.allocate(Math.max(8, b.shape().numelLong() * b.dtype().byteSize()));
                addresses[i] = MemorySegment.ofAddress(blocks[i].pointer());
            }
            slots = dev.allocator.allocate(8L * Math.max(1, plan.scalarSlots()));
            scratch = dev.allocator.allocate(8L * Math.max(1, cuda.scratchDoubles()));
            status = dev.allocator.allocate(16);
            hostStatus = arena.allocate(16, 8);
            var memory = new LaunchArguments.Memory(addresses, MemorySegment.ofAddress(slots.pointer()),
                    MemorySegment.ofAddress(scratch.pointer()), MemorySegment.ofAddress(status.pointer()));
            functions = new MemorySegment[cuda.launches().size()];
            arguments = new MemorySegment[functions.length];
            for (int i = 0; i < functions.length; i++) {
                CudaPlan.Launch l = cuda.launches().get(i);
                CudaModule.Entry e = cuda.module().entry(l.entry());
                functions[i] = dev.function(module, l.entry());
                arguments[i] = LaunchArguments.pack(arena, l, e, memory);
            }
        }

        void free(CudaDevice dev) {
            if (graph != null) {
                dev.driver.destroyGraphExec(graph);
            }
            for (Allocator.Block b : blocks) {
                dev.allocator.release(b);
            }
            dev.allocator.release(slots);
            dev.allocator.release(scratch);
            dev.allocator.release(status);
            arena.close();
        }
    }

    @Override
    public Run open() {
        CudaDevice dev = device();
        Buffers b = pool.poll();
        if (b == null) {
            CudaDevice.Loaded module = dev.load(cuda.module());
            b = dev.call(() -> new Buffers(dev, cuda, module));
            synchronized (this) {
                if (++created > 1) {
                    overflows++;
                }
            }
        }
        return new CudaRun(dev, b);
    }

    private CudaDevice device() {
        CudaDevice d = device;
        if (d == null) {
            synchronized (this) {
                if (device == null) {
                    device = CudaDevice.of(target);
                    ConcurrentLinkedQueue<Buffers> p = pool;
                    CudaDevice dev = device;
                    CLEANER.register(this, () -> dev.run(() -> p.forEach(b -> b.free(dev))));
                }
                d = device;
            }
        }
        return d;
    }

    private final class CudaRun implements Run {
        private final CudaDevice dev;
        private final Buffers b;
        private final TensorData[] inputs;

        CudaRun(CudaDevice dev, Buffers b) {
            this.dev = dev;
            this.b = b;
            this.inputs = new TensorData[cuda.plan().inputs().size()];
        }

        @Override
        public void input(int slot, TensorData value) {
            inputs[slot] = value;
        }

        @Override
        public void run() {
            List<TensorData> bound = new ArrayList<>(inputs.length);
            for (TensorData t : inputs) {
                bound.add(Memory.onDevice(dev, t));
            }
            dev.run(() -> {
                Plan plan = cuda.plan();
                for (int k = 0; k < inputs.length; k++) {
                    int buffer = plan.inputs().get(k);
                    Plan.Buffer pb = plan.buffers().get(buffer);
                    TensorData into = new TensorData(CudaStorage.borrowed(dev, pb.dtype(), pb.shape().numel(), b.blocks[buffer].pointer()),
                            Layout.contiguous(pb.shape()));
                    Memory.copyOnThread(dev, bound.get(k), into);
                }
                if (GRAPHS && b.runs > 0) {
                    if (b.graph == null) {
                        b.graph = capture();
                    }
                    dev.driver.launchGraph(b.graph, dev.stream());
                } else {
                    launchAll();
                }
                dev.driver.copyDtoH(b.hostStatus, b.status.pointer(), 16, dev.stream());
                dev.driver.synchronize(dev.stream());
                b.runs++;
                Memory.checkStatus(b.hostStatus, plan, dev.device);
            });
        }

        private void launchAll() {
            dev.driver.memset(b.status.pointer(), (byte) 0, 16, dev.stream());
            for (int i = 0; i < b.functions.length; i++) {
                int rc = dev.driver.launch(b.functions[i], cuda.launches().get(i).grid(), cuda.launches().get(i).block(), dev.stream(),
                        b.arguments[i]);
                if (rc != Driver.CUDA_SUCCESS) {
                    throw Memory.launchFailed(dev, cuda.launches().get(i), rc);
                }
            }
        }

        private MemorySegment capture() {
            dev.driver.beginCapture(dev.stream());
            MemorySegment graph;
            try {
                launchAll();
            } finally {
                graph = dev.driver.endCapture(dev.stream());
            }
            try {
                return dev.driver.instantiate(graph);
            } finally {
                dev.driver.destroyGraph(graph);
            }
        }

        @Override
        public TensorData output(int i) {
            int buffer = cuda.plan().outputs().get(i);
            Plan.Buffer pb = cuda.plan().buffers().get(buffer);
            return new TensorData(CudaStorage.borrowed(dev, pb.dtype(), pb.shape().numel(), b.blocks[buffer].pointer()),
                    Layout.contiguous(pb.shape()));
        }

        @Override
        public void close() {
            java.util.Arrays.fill(inputs, null);
            pool.add(b);
        }
    }

    @Override
    public int outputCount() {
        return cuda.plan().outputs().size();
    }

    @Override
    public synchronized long poolOverflows() {
        return overflows;
    }

    @Override
    public String describe() {
        return cuda.describe();
    }

    @Override
    public String source() {
        return cuda.module().source();
    }
}
