package dev.kiln;

import dev.kiln.spi.TensorData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A forward pass compiled for serving: traced without grad (no tape), prepared ahead of the first
 * request for each batch size it accepts, and shared by any number of request threads. Each prepared
 * size is a compiled function of its own, so a call finds its plan without a lock and allocates
 * nothing but its output; threads get exactly the bits one thread would.
 * <pre>
 * model.eval();
 * Inference serve = Inference.of(model::forward).rowShape(1).maxBatch(64).build();
 * Tensor y = serve.run(x);   // x: [n, 1], 1 &lt;= n &lt;= 64
 * </pre>
 * With {@link Builder#maxBatch} the sizes are buckets (1, 2, 4, ... up to the maximum): a batch runs
 * in the smallest bucket that holds it, its rows copied into a per-thread padded input and the
 * answer's first rows returned — which assumes, as every eval-mode model gives, that rows do not
 * affect one another. {@link Builder#batchSizes} prepares exact sizes instead, with no padding.
 * Plans are guarded on the modes of the modules the forward read: a call after {@code model.train()}
 * compiles for training mode (each size keeps a plan per mode).
 */
public final class Inference {
    private final Function<Tensor, Tensor> forward;
    private final int[] sizes;
    private final CompiledFunction[] functions;
    private final Shape row;
    private final DType dtype;
    private final Device device;
    private final boolean exact;
    /** Per thread, per bucket: the padded input (rows past a request's are left as the last request put them). */
    private final ThreadLocal<Tensor[]> padded;

    private Inference(Builder b) {
        this.forward = b.forward;
        this.row = b.row;
        this.dtype = b.dtype;
        this.device = b.device;
        this.exact = b.exact;
        this.sizes = b.sizes.stream().mapToInt(Integer::intValue).toArray();
        this.functions = new CompiledFunction[sizes.length];
        this.padded = ThreadLocal.withInitial(() -> new Tensor[sizes.length]);
        for (int i = 0; i < sizes.length; i++) {
            functions[i] = Kiln.compile(in -> {
                try (var noGrad = Kiln.noGrad()) {
                    return forward.apply(in[0]);
                }
            }, CompiledFunction.Mode.STATIC, 2); // room for a plan per mode: modules' train/eval modes guard the plan
            functions[i].prepare(Factories.zeros(batchShape(sizes[i]), dtype, device));
        }
        for (int k = 0; k < b.warmUp; k++) {
            for (int i = 0; i < sizes.length; i++) {
                functions[i].call(Factories.zeros(batchShape(sizes[i]), dtype, device));
            }
        }
    }

    /**
     * Starts an inference build for {@code forward}. Without other settings it accepts 0-d rows, batches of
     * exactly 1, of the calling thread's default floating dtype.
     *
     * @param forward a module's {@code forward}, or any function of one batch tensor to one tensor
     * @return a builder to set the row shape, dtype and batch sizes on
     * @throws KilnException if {@code forward} is null
     */
    public static Builder of(Function<Tensor, Tensor> forward) {
        if (forward == null) {
            throw new KilnException("Inference.of: the forward function must not be null");
        }
        return new Builder(forward);
    }

    /** How to build an {@link Inference}. */
    public static final class Builder {
        private final Function<Tensor, Tensor> forward;
        private Shape row = Shape.scalar();
        private DType dtype = Kiln.defaultDtype();
        private Device device = Kiln.defaultDevice();
        private TreeSet<Integer> sizes = new TreeSet<>(List.of(1));
        private boolean exact = true;
        private int warmUp;

        private Builder(Function<Tensor, Tensor> forward) {
            this.forward = forward;
        }

        /**
         * The shape of one row of the input (a batch is {@code [n, ...rowShape]}); a 0-d row by default.
         *
         * @param dims the row's dimension sizes, each at least 0
         * @return this builder
         * @throws KilnException if a size is negative
         */
        public Builder rowShape(int... dims) {
            for (int d : dims) {
                if (d < 0) {
                    throw new KilnException("Inference: a row's dimensions are non-negative, got " + Arrays.toString(dims));
                }
            }
            this.row = Shape.of(dims);
            return this;
        }

        /**
         * The input dtype (the default floating dtype of the thread that called {@link Inference#of} unless set).
         *
         * @param dtype the dtype every batch must have
         * @return this builder
         * @throws KilnException if {@code dtype} is null
         */
        public Builder dtype(DType dtype) {
            if (dtype == null) {
                throw new KilnException("Inference: the dtype must not be null");
            }
            this.dtype = dtype;
            return this;
        }

        /**
         * The device every batch is on, where the model's parameters are (the default device of the thread that
         * called {@link Inference#of} unless set), as {@code model.to(device)} put them.
         *
         * @param device the batches' device
         * @return this builder
         * @throws KilnException if {@code device} is null
         */
        public Builder device(Device device) {
            if (device == null) {
                throw new KilnException("Inference: the device must not be null");
            }
            this.device = device;
            return this;
        }

        /**
         * Accepts batches of 1 to {@code max} rows, in buckets 1, 2, 4, ... and {@code max} (padded to the bucket's
         * size); replaces any {@link #batchSizes} set before.
         *
         * @param max the largest batch, in [1, 2^20]
         * @return this builder
         * @throws KilnException if {@code max} is out of range
         */
        public Builder maxBatch(int max) {
            if (max < 1 || max > 1 << 20) {
                throw new KilnException("Inference: maxBatch must be in [1, 2^20], got " + max);
            }
            TreeSet<Integer> s = new TreeSet<>();
            for (int b = 1; b < max; b <<= 1) {
                s.add(b);
            }
            s.add(max);
            this.sizes = s;
            this.exact = false;
            return this;
        }

        /**
         * Accepts exactly these batch sizes, each prepared as it is (no padding); replaces any {@link #maxBatch} set
         * before.
         *
         * @param batchSizes the accepted sizes, each at least 1, at least one of them (duplicates are merged)
         * @return this builder
         * @throws KilnException if none is given or a size is below 1
         */
        public Builder batchSizes(int... batchSizes) {
            if (batchSizes.length == 0) {
                throw new KilnException("Inference: name at least one batch size");
            }
            TreeSet<Integer> s = new TreeSet<>();
            for (int b : batchSizes) {
                if (b < 1) {
                    throw new KilnException("Inference: batch sizes are positive, got " + b);
                }
                s.add(b);
            }
            this.sizes = s;
            this.exact = true;
            return this;
        }

        /**
         * Runs each prepared size {@code calls} times on zeros at build time, so the JIT has compiled the kernels
         * before the first request.
         *
         * @param calls warm-up calls per size, at least 0 (0 by default)
         * @return this builder
         * @throws KilnException if {@code calls} is negative
         */
        public Builder warmUp(int calls) {
            if (calls < 0) {
                throw new KilnException("Inference: warm-up calls are non-negative, got " + calls);
            }
            this.warmUp = calls;
            return this;
        }

        /**
         * Traces and compiles every batch size now (a first request then compiles nothing), then runs the warm-up.
         *
         * @return the compiled forward pass
         */
        public Inference build() {
            return new Inference(this);
        }
    }

    /**
     * The prepared batch sizes.
     *
     * @return an unmodifiable list of the sizes, ascending
     */
    public List<Integer> batchSizes() {
        List<Integer> out = new ArrayList<>(sizes.length);
        for (int s : sizes) {
            out.add(s);
        }
        return List.copyOf(out);
    }

    /**
     * Plans compiled so far, over all sizes: one per size after {@link Builder#build()}, and no more while calls
     * find theirs.
     *
     * @return the number of compilations
     */
    public int compilations() {
        int n = 0;
        for (CompiledFunction f : functions) {
            n += f.compilations();
        }
        return n;
    }

    /**
     * The largest batch accepted.
     *
     * @return the largest prepared batch size
     */
    public int maxBatch() {
        return sizes[sizes.length - 1];
    }

    /**
     * The forward pass of a batch {@code [n, ...rowShape]} of the prepared dtype: the caller's own
     * tensor of {@code n} rows. A batch of another shape or dtype, or with more rows than prepared,
     * is a {@link KilnException} saying what was expected.
     *
     * @param batch the input, {@code [n, ...rowShape]}, concrete (not symbolic)
     * @return the forward pass's output for the {@code n} rows
     * @throws KilnException if the batch is null, symbolic, of another row shape or dtype, or of a size not accepted
     */
    public Tensor run(Tensor batch) {
        int b = bucketOf(batch);
        int n = batch.size(0);
        if (sizes[b] == n) {
            return functions[b].call(batch);
        }
        Tensor[] mine = padded.get();
        Tensor in = mine[b];
        if (in == null) {
            in = mine[b] = Factories.zeros(batchShape(sizes[b]), dtype, batch.device());
        }
        TensorData from = batch.contiguous().data();
        TensorData to = in.data();
        if (from.onHost() && to.onHost()) {
            System.arraycopy(from.storage().array(), from.layout().offset(), to.storage().array(), 0, n * row.numel());
        } else {
            // the batch's rows are the first rows of the padded input
            Backends.copy(from, new TensorData(to.storage(), dev.kiln.spi.Layout.contiguous(from.shape())));
        }
        to.storage().bumpVersion();
        return functions[b].call(in).slice(0, 0, n, 1);
    }

    private int bucketOf(Tensor batch) {
        if (batch == null || batch.isSymbolic()) {
            throw new KilnException("Inference.run: " + (batch == null ? "the batch is null" : "a symbolic tensor (inside a traced function)"));
        }
        Shape s = batch.shape();
        boolean shapeOk = s.rank() == row.rank() + 1;
        for (int d = 0; shapeOk && d < row.rank(); d++) {
            shapeOk = s.dim(d + 1) == row.dim(d);
        }
        if (!shapeOk || batch.dtype() != dtype) {
            throw new KilnException("Inference.run: expected a batch " + expected() + ", got " + batch.dtype() + " " + s);
        }
        if (!batch.device().equals(device)) {
            throw new KilnException("Inference.run: expected a batch on " + device + " (Builder.device), got one on " + batch.device()
                    + "; move it with .to(" + device + ")");
        }
        int n = s.dim(0);
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == n || !exact && n >= 1 && sizes[i] > n) {
                return i;
            }
        }
        throw new KilnException("Inference.run: expected a batch " + expected() + ", got " + n + " rows");
    }

    private String expected() {
        String dims = row.toString();
        return "[n" + (row.rank() == 0 ? "" : ", " + dims.substring(1, dims.length() - 1)) + "] of " + dtype + " with n "
                + (exact ? "one of " + batchSizes() : "from 1 to " + maxBatch());
    }

    private Shape batchShape(int n) {
        int[] dims = new int[row.rank() + 1];
        dims[0] = n;
        System.arraycopy(row.toArray(), 0, dims, 1, row.rank());
        return Shape.of(dims);
    }

    @Override
    public String toString() {
        return "Inference(" + forward + ", rows " + row + " of " + dtype + ", batch sizes " + batchSizes() + ")";
    }
}
