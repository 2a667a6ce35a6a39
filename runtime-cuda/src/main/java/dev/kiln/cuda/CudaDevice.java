package dev.kiln.cuda;

import dev.kiln.Device;
import dev.kiln.KilnException;
import dev.kiln.codegen.cuda.CudaModule;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One CUDA device as Kiln uses it: its primary context, one stream, the caching allocator and the
 * loaded modules, all reached from one platform thread of its own. A driver context is current per OS
 * thread (and virtual threads move between OS threads), so every driver call for the device is made on
 * that thread ({@link #call}); the stream orders all work, which is what lets freed blocks be reused at
 * once. Errors raised there are thrown again on the caller's thread as {@link KilnException}s, which
 * name the caller's own line.
 */
final class CudaDevice {
    private static final Map<Integer, CudaDevice> DEVICES = new ConcurrentHashMap<>();
    private static volatile Shared shared;
    private static volatile String loadFailure;

    /** The driver and compiler every device shares, and how many devices there are. */
    private record Shared(Driver driver, int count, Libraries libraries) {
    }

    final Device device;
    final Driver driver;
    final Allocator allocator;
    final ModuleCompiler compiler;
    final String name;
    private final ExecutorService thread;
    private final Thread owner;
    private final Map<String, Loaded> modules = new ConcurrentHashMap<>();
    private MemorySegment stream;

    /** A module loaded on the device, with its functions looked up on first use. */
    static final class Loaded {
        private final MemorySegment module;
        private final Map<String, MemorySegment> functions = new ConcurrentHashMap<>();

        Loaded(MemorySegment module) {
            this.module = module;
        }
    }

    private CudaDevice(Device device, Shared s) {
        this.device = device;
        this.driver = s.driver();
        this.allocator = new Allocator(driver);
        Thread[] t = new Thread[1];
        this.thread = Executors.newSingleThreadExecutor(r -> {
            t[0] = Thread.ofPlatform().daemon().name("kiln-" + device).unstarted(r);
            return t[0];
        });
        int[] capability = new int[2];
        String[] name = new String[1];
        try {
            thread.submit(() -> {
                int dev = driver.device(device.index());
                driver.setCurrent(driver.primaryContext(dev));
                stream = driver.createStream();
                capability[0] = driver.attribute(Driver.ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
                capability[1] = driver.attribute(Driver.ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
                name[0] = driver.deviceName(dev);
                return null;
            }).get();
        } catch (ExecutionException e) {
            thread.shutdownNow();
            throw new KilnException("cannot open " + device + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KilnException("interrupted while opening " + device, e);
        }
        this.owner = t[0];
        this.name = name[0];
        this.compiler = new ModuleCompiler(s.libraries(), capability[0], capability[1]);
    }

    /** The device {@code d}, opened on first use; a {@link KilnException} says what is missing when CUDA is not there. */
    static CudaDevice of(Device d) {
        CudaDevice dev = DEVICES.get(d.index());
        if (dev != null) {
            return dev;
        }
        Shared s = shared();
        if (d.index() >= s.count()) {
            throw new KilnException("no device " + d + ": the CUDA driver reports " + s.count() + " device(s)");
        }
        synchronized (DEVICES) {
            return DEVICES.computeIfAbsent(d.index(), i -> new CudaDevice(d, s));
        }
    }

    /** How many CUDA devices there are; 0 when the driver is missing or has none. */
    static int count() {
        try {
            return shared().count();
        } catch (KilnException e) {
            return 0;
        }
    }

    private static Shared shared() {
        Shared s = shared;
        if (s != null) {
            return s;
        }
        synchronized (DEVICES) {
            if (shared != null) {
                return shared;
            }
            if (loadFailure != null) {
                throw new KilnException(loadFailure);
            }
            try {
                Libraries libraries = Libraries.fromEnvironment();
                Driver driver = new Driver(libraries.driver());
                driver.init();
                shared = new Shared(driver, driver.deviceCount(), libraries);
                return shared;
            } catch (CudaError e) {
                loadFailure = "CUDA is not available: " + e.getMessage();
                throw new KilnException(loadFailure, e);
            }
        }
    }

    /** Runs {@code work} on the device's thread and returns its result; its errors come back as {@link KilnException}s. */
    <T> T call(Callable<T> work) {
        if (Thread.currentThread() == owner) {
            try {
                return work.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CudaError(e.getMessage(), e);
            }
        }
        Future<T> f = thread.submit(work);
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof KilnException k && k.site() != null) {
                throw k;
            }
            throw new KilnException(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KilnException("interrupted while waiting for " + device, e);
        }
    }

    /** Runs {@code work} on the device's thread. */
    void run(Runnable work) {
        call(() -> {
            work.run();
            return null;
        });
    }

    /** The device's stream (on the device thread). */
    MemorySegment stream() {
        return stream;
    }

    /** {@code module} compiled (or found in the disk cache) and loaded, once per device. */
    Loaded load(CudaModule module) {
        String key = String.join(" ", module.options()) + "\n" + module.source();
        Loaded l = modules.get(key);
        if (l != null) {
            return l;
        }
        // compiling needs no context: it runs on the caller's thread, so the device keeps running other work
        byte[] image;
        try {
            image = compiler.compile(module.source(), module.options());
        } catch (CudaError e) {
            throw new KilnException(e.getMessage(), e);
        }
        // not inside computeIfAbsent: its bin lock would be held while the device thread works, and the device thread
        // itself loads the runtime's module (a task waiting there on the same bin would never finish)
        Loaded loaded = call(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment bytes = a.allocate(image.length + 1L);
                MemorySegment.copy(image, 0, bytes, ValueLayout.JAVA_BYTE, 0, image.length);
                return new Loaded(driver.loadModule(bytes));
            }
        });
        Loaded first = modules.putIfAbsent(key, loaded);
        return first != null ? first : loaded; // a racing thread's copy stays loaded, unused: modules are never unloaded
    }

    /** The function {@code entry} of a loaded module (on the device thread). */
    MemorySegment function(Loaded l, String entry) {
        return l.functions.computeIfAbsent(entry, e -> driver.function(l.module, e));
    }

    /** Loaded modules, for tests. */
    int loadedModules() {
        return modules.size();
    }
}
