package dev.kiln.cuda;

import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPlan;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A launch's arguments as {@code cuLaunchKernel} takes them: an array of pointers, each to one
 * argument's bytes, typed by the entry's parameters. Buffers, slots, scratch and status words are
 * addresses of the run's memory (device memory on a GPU, host memory in the emulator).
 */
public final class LaunchArguments {
    /** The size of the {@code KilnView} struct: int rank (padded to 8), 8 sizes, 8 strides, offset. */
    public static final long VIEW_BYTES = 8 + 8 * 8 + 8 * 8 + 8;

    /** The addresses of one run's memory: a buffer per plan buffer, the scalar slots, the scratch and the status words. */
    public record Memory(MemorySegment[] buffers, MemorySegment slots, MemorySegment scratch, MemorySegment status) {
    }

    private LaunchArguments() {
    }

    /** The {@code void**} array for {@code launch} of {@code entry}, allocated in {@code arena}. */
    public static MemorySegment pack(Arena arena, CudaPlan.Launch launch, CudaModule.Entry entry, Memory memory) {
        MemorySegment args = arena.allocate(ValueLayout.ADDRESS, Math.max(1, launch.args().size()));
        for (int i = 0; i < launch.args().size(); i++) {
            args.setAtIndex(ValueLayout.ADDRESS, i, argument(arena, launch.args().get(i), entry.params().get(i).type(), memory));
        }
        return args;
    }

    private static MemorySegment argument(Arena arena, CudaPlan.Arg a, String type, Memory m) {
        MemorySegment v = arena.allocate(a instanceof CudaPlan.Arg.View ? VIEW_BYTES : 8, 8);
        switch (a) {
            case CudaPlan.Arg.Buffer b -> v.set(ValueLayout.ADDRESS, 0, m.buffers()[b.index()]);
            case CudaPlan.Arg.Slots s -> v.set(ValueLayout.ADDRESS, 0, m.slots());
            case CudaPlan.Arg.Scratch s -> v.set(ValueLayout.ADDRESS, 0, m.scratch());
            case CudaPlan.Arg.Status s -> v.set(ValueLayout.ADDRESS, 0, m.status());
            case CudaPlan.Arg.Int i -> {
                switch (type) {
                    case "int" -> v.set(ValueLayout.JAVA_INT, 0, Math.toIntExact(i.value()));
                    case "long long" -> v.set(ValueLayout.JAVA_LONG, 0, i.value());
                    default -> throw new IllegalArgumentException("an integer for a parameter of type " + type);
                }
            }
            case CudaPlan.Arg.Real r -> v.set(ValueLayout.JAVA_DOUBLE, 0, r.value());
            case CudaPlan.Arg.View w -> {
                if (!type.equals("KilnView")) {
                    throw new IllegalArgumentException("a view for a parameter of type " + type);
                }
                v.set(ValueLayout.JAVA_INT, 0, w.shape().rank());
                for (int d = 0; d < w.shape().rank(); d++) {
                    v.set(ValueLayout.JAVA_LONG, 8 + 8L * d, w.shape().dim(d));
                    v.set(ValueLayout.JAVA_LONG, 72 + 8L * d, w.strides()[d]);
                }
                v.set(ValueLayout.JAVA_LONG, 136, w.offset());
            }
        }
        return v;
    }
}
