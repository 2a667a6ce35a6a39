package dev.kiln.codegen.cuda;

import dev.kiln.Shape;
import dev.kiln.codegen.kernel.Plan;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;

/**
 * A {@link Plan} for a CUDA device: one module and the launches that run the plan, in order, over
 * the plan's buffers (device memory of each buffer's dtype and size), a {@code double} array of
 * the plan's scalar slots, a {@code double} scratch array of {@code scratchDoubles} elements (the
 * reductions' per-block partials) and a status word pair that kernels set on an error (an index out
 * of range). Nothing runs on the host between launches.
 */
public record CudaPlan(Plan plan, CudaModule module, List<Launch> launches, int scratchDoubles) {
    public CudaPlan {
        launches = List.copyOf(launches);
    }

    /** One kernel launch: {@code entry<<<grid, block>>>(args)}. */
    public record Launch(String entry, int[] grid, int[] block, List<Arg> args, String purpose) {
        public Launch {
            grid = grid.clone();
            block = block.clone();
            args = List.copyOf(args);
        }

        @Override
        public String toString() {
            StringJoiner j = new StringJoiner(", ", entry + "<<<" + dims(grid) + ", " + dims(block) + ">>>(", ")");
            args.forEach(a -> j.add(a.toString()));
            return j + "  // " + purpose;
        }

        private static String dims(int[] d) {
            return d[1] == 1 && d[2] == 1 ? Integer.toString(d[0]) : "(" + d[0] + ", " + d[1] + ", " + d[2] + ")";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Launch l && l.entry.equals(entry) && Arrays.equals(l.grid, grid) && Arrays.equals(l.block, block)
                    && l.args.equals(args) && l.purpose.equals(purpose);
        }

        @Override
        public int hashCode() {
            return entry.hashCode() * 31 + args.hashCode();
        }
    }

    /** A launch argument. */
    public sealed interface Arg {
        /** The device address of plan buffer {@code index}. */
        record Buffer(int index) implements Arg {
            @Override
            public String toString() {
                return "buf" + index;
            }
        }

        /** The address of the scalar slots ({@code double*}). */
        record Slots() implements Arg {
            @Override
            public String toString() {
                return "slots";
            }
        }

        /** The address of the scratch array ({@code double*}). */
        record Scratch() implements Arg {
            @Override
            public String toString() {
                return "scratch";
            }
        }

        /** The address of the status words ({@code unsigned long long*}: step + 1 of the first error, and its value). */
        record Status() implements Arg {
            @Override
            public String toString() {
                return "status";
            }
        }

        /** A {@code long long} (or {@code int}, when the parameter is one) by value. */
        record Int(long value) implements Arg {
            @Override
            public String toString() {
                return Long.toString(value);
            }
        }

        /** A {@code double} by value. */
        record Real(double value) implements Arg {
            @Override
            public String toString() {
                return Double.toString(value);
            }
        }

        /**
         * A {@code KilnView} struct by value: rank, then {@link #MAX_RANK} sizes and strides (in
         * elements, unused entries 0), then the offset; all but the rank are {@code long long}.
         */
        record View(Shape shape, long[] strides, long offset) implements Arg {
            public static final int MAX_RANK = 8;

            public View {
                if (shape.rank() > MAX_RANK) {
                    throw new IllegalArgumentException("CUDA kernels take views of rank <= " + MAX_RANK + ", got " + shape);
                }
                strides = strides.clone();
            }

            @Override
            public boolean equals(Object o) {
                return o instanceof View v && v.shape.equals(shape) && Arrays.equals(v.strides, strides) && v.offset == offset;
            }

            @Override
            public int hashCode() {
                return shape.hashCode() * 31 + Arrays.hashCode(strides);
            }

            @Override
            public String toString() {
                return "view" + shape.toString().replace(" ", "") + Arrays.toString(strides).replace(" ", "") + "+" + offset;
            }
        }
    }

    /** The launches, then the module's text. */
    public String describe() {
        StringBuilder sb = new StringBuilder("CUDA plan: ").append(launches.size()).append(" launch(es), ")
                .append(module.entries().size()).append(" kernel(s), ").append(scratchDoubles).append(" scratch double(s); nvcc ")
                .append(String.join(" ", module.options())).append('\n');
        for (Launch l : launches) {
            sb.append("  ").append(l).append('\n');
        }
        return sb.append(module.source()).toString();
    }
}
