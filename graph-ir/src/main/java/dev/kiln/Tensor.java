package dev.kiln;

import dev.kiln.internal.Tensors;
import dev.kiln.spi.Storage;
import dev.kiln.spi.TensorData;

import static dev.kiln.Dispatch.compute;
import static dev.kiln.Dispatch.move;

import dev.kiln.ir.Axes;
import dev.kiln.ir.Binary;
import dev.kiln.ir.Cast;
import dev.kiln.ir.Compare;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Node;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Op;
import dev.kiln.ir.Ops;
import dev.kiln.ir.Promotion;
import dev.kiln.ir.Reduce;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.Unary;
import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array with autograd, in PyTorch's manner. A tensor is a view (shape, strides,
 * offset) of a storage; movement ops return views that share it. Ops run at once; when a
 * tensor that requires grad takes part and grad mode is on, the op is recorded on the tape.
 *
 * <p>In-place ops end in {@code _} as in PyTorch ({@code sub_}, {@code zero_}); a gradient is
 * cleared with {@link #clearGrad()}.
 */
public final class Tensor {
    /** Not final only for {@link #set_(Tensor)} (a module converted with {@code to(dtype)} keeps its parameters). */
    private TensorData data;
    private boolean isView;
    /** Autograd state, made on first use (see {@link GradState}). */
    private GradState autograd;
    /** Set for symbolic tensors (data is null): the trace and node they stand for. */
    private final TraceState symbol;
    /** Set for the 0-d tensors made from Java scalars, which traces turn into constants. */
    private Double literal;
    /** A 0-d tensor that promotes like a Java scalar (PyTorch's "wrapped number"). */
    private boolean weak;
    /** A concrete tensor's node in the trace that last read it (see {@link TraceState.Memo}). */
    private TraceState.Memo traced;

    Tensor(TensorData data, boolean isView) {
        this.data = data;
        this.isView = isView;
        this.symbol = null;
    }

    private Tensor(Node node, Trace trace) {
        this.symbol = new TraceState(trace, node);
    }

    static Tensor symbolic(Node node, Trace trace) {
        return new Tensor(node, trace);
    }

    static {
        // Kiln's other packages reach storage through the internal bridge; the user API hands out none.
        Tensors.install(new Tensors.Access() {
            @Override
            public TensorData data(Tensor t) {
                return t.data();
            }

            @Override
            public Tensor wrap(TensorData data) {
                return Tensor.wrap(data);
            }
        });
    }

    /** A tensor over existing storage and layout (a backend's result, or a view it made), on the storage's device. */
    static Tensor wrap(TensorData data) { return new Tensor(data, false); }

    /** True for tensors that stand for a node of a graph being traced, with no values yet. */
    public boolean isSymbolic() { return symbol != null; }

    Node node() {
        return symbol == null ? null : symbol.node;
    }

    Trace trace() {
        return symbol == null ? null : symbol.trace;
    }

    Double literal() {
        return literal;
    }

    static Tensor literal(double value, DType dtype) {
        Tensor t = scalar(value, dtype);
        t.literal = value;
        return t;
    }

    /** This concrete tensor's node in {@code t}, if {@code t} noted one. */
    Node tracedNode(Trace t) {
        TraceState.Memo m = traced;
        return m == null ? null : m.in(t);
    }

    void noteTraced(Trace t, Node n) {
        traced = new TraceState.Memo(t, n);
    }

    void markLiteral(double value) {
        this.literal = value;
    }

    /** A Java scalar meeting this tensor: a constant node when traced, else a 0-d literal on this device. */
    private Tensor scalarLike(double value, DType dtype) {
        Trace t = isSymbolic() ? symbol.trace : Trace.active();
        return t != null ? t.constant(value, dtype) : literal(value, dtype).on(device());
    }

    // ------------------------------------------------------------------ factories

    /** A 1-D tensor of the default dtype (float32 unless {@link Kiln#defaultDtype(DType)} says otherwise), as {@code torch.tensor([...])}. */
    public static Tensor of(double... values) { return of(Kiln.defaultDtype(), values); }

    /** A 1-D float32 tensor. */
    public static Tensor of(float... values) { return Factories.of(values); }

    /** A 1-D int64 tensor, like {@code torch.tensor([1, 2, 3])}. */
    public static Tensor of(long... values) { return Factories.of(values); }

    /** A 1-D tensor of {@code dtype}. */
    public static Tensor of(DType dtype, double... values) { return fromArray(values, Shape.of(values.length), dtype); }

    /** A tensor of {@code shape} holding {@code values} in row-major order, converted to {@code dtype}. */
    public static Tensor fromArray(double[] values, Shape shape, DType dtype) {
        return Factories.fromArray(values, shape, dtype);
    }

    /**
     * A 0-d float64 tensor that takes part in type promotion like a Java scalar, as PyTorch's
     * wrapped numbers do: {@code float32Tensor.mul(weakScalar(0.1))} stays float32. Optimizers
     * keep hyper-parameters in these, so compiled steps read them as inputs.
     */
    public static Tensor weakScalar(double value) {
        Tensor t;
        // on the host, whatever the default device: it joins tensors of any device, as a Java number does
        try (var host = Kiln.defaultDevice(Device.CPU)) {
            t = scalar(value, DType.FLOAT64);
        }
        t.weak = true;
        return t;
    }

    void setWeak(boolean on) {
        weak = on;
    }

    int tier() {
        return weak || literal != null ? Promotion.SCALAR : dim() == 0 ? Promotion.ZERO_DIM : Promotion.DIMENSIONED;
    }

    /** A 0-d float32 tensor. */
    public static Tensor scalar(double value) { return scalar(value, Kiln.defaultDtype()); }
    public static Tensor scalar(double value, DType dtype) { return full(Shape.scalar(), value, dtype); }
    public static Tensor full(Shape shape, double value, DType dtype) { return Factories.full(shape, value, dtype); }
    public static Tensor full(Shape shape, double value) { return full(shape, value, Kiln.defaultDtype()); }
    public static Tensor zeros(int... dims) { return zeros(Shape.of(dims), Kiln.defaultDtype()); }

    public static Tensor zeros(Shape shape, DType dtype) {
        return Factories.zeros(shape, dtype, Kiln.defaultDevice());
    }

    public static Tensor ones(int... dims) { return full(Shape.of(dims), 1.0, Kiln.defaultDtype()); }
    public static Tensor ones(Shape shape, DType dtype) { return full(shape, 1.0, dtype); }

    /** {@code steps} evenly spaced float32 values from {@code start} to {@code end} inclusive. */
    public static Tensor linspace(double start, double end, int steps) {
        return linspace(start, end, steps, Kiln.defaultDtype());
    }

    public static Tensor linspace(double start, double end, int steps, DType dtype) {
        return Factories.linspace(start, end, steps, dtype);
    }

    /** {@code 0, 1, ..., end-1} as int64. */
    public static Tensor arange(long end) { return arange(0, end, 1); }

    /** {@code start, start+step, ...} below {@code end}, as int64. */
    public static Tensor arange(long start, long end, long step) { return Factories.arange(start, end, step); }

    /** Standard normal float32 values from the calling thread's generator. */
    public static Tensor randn(int... dims) { return randn(Shape.of(dims), Kiln.defaultDtype(), Kiln.defaultGenerator()); }

    public static Tensor randn(Shape shape, DType dtype, Generator generator) {
        return Factories.random(Leaf.Distribution.NORMAL, shape, dtype, generator);
    }

    /** Uniform float32 values in [0, 1) from the calling thread's generator. */
    public static Tensor rand(int... dims) { return rand(Shape.of(dims), Kiln.defaultDtype(), Kiln.defaultGenerator()); }

    public static Tensor rand(Shape shape, DType dtype, Generator generator) {
        return Factories.random(Leaf.Distribution.UNIFORM, shape, dtype, generator);
    }

    // ------------------------------------------------------------------ properties

    public Shape shape() { return symbol != null ? symbol.node.shape() : data.shape(); }

    /** Size of dimension {@code axis} (negative counts from the end). */
    public int size(int axis) { return shape().dim(axis); }
    public int dim() { return shape().rank(); }
    public int numel() { return shape().numel(); }
    public DType dtype() { return symbol != null ? symbol.node.dtype() : data.dtype(); }
    /** Where the values live; a symbolic tensor is on the device of the tensors its trace reads. */
    public Device device() { return symbol != null ? symbol.trace.device() : data.device(); }

    /**
     * Whether the tensor goes with tensors of any device, as PyTorch's CPU scalars do: a Java scalar
     * or a hyper-parameter (a weak scalar), or one CPU element, possibly broadcast (a 0-d tensor, or
     * one expanded with zero strides). It is moved to the op's device when the op runs.
     */
    boolean joinsAnyDevice() {
        if (tier() == Promotion.SCALAR) {
            return true; // a Java scalar or a hyper-parameter: moved to the op's device when it runs
        }
        if (!device().equals(Device.CPU)) {
            return false;
        }
        if (symbol != null || dim() == 0) {
            return dim() == 0;
        }
        for (int a = 0; a < dim(); a++) {
            if (data.layout().stride(a) != 0 && size(a) != 1) {
                return false;
            }
        }
        return true;
    }

    TensorType type() {
        return new TensorType(shape(), dtype());
    }

    /** Storage and layout; shared with every view of the same storage. */
    TensorData data() {
        if (data == null) {
            throw new KilnException("this tensor is symbolic (it is being traced) and has no values yet;"
                    + " item(), toFloatArray() and the like cannot be used while tracing");
        }
        return data;
    }

    public boolean isContiguous() { return symbol != null || data.layout().isContiguous(); }

    // ------------------------------------------------------------------ reading values

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new KilnException("item() needs a tensor with one element, this one has shape " + shape());
        }
        return hostData().getDouble(0);
    }

    public float[] toFloatArray() { return hostData().toFloatArray(); }
    public double[] toDoubleArray() { return hostData().toDoubleArray(); }
    public long[] toLongArray() { return hostData().toLongArray(); }

    /** The values where the core can read them: the data itself on the CPU, else a host copy from the device's backend. */
    TensorData hostData() {
        return Backends.host(data());
    }

    @Override
    public String toString() { return symbol != null ? "tensor(symbolic " + symbol.node + ")" : TensorFormat.format(this); }

    // ------------------------------------------------------------------ autograd state

    public boolean requiresGrad() { return autograd != null && autograd.requiresGrad; }

    /** Sets whether autograd tracks this leaf; returns this, like PyTorch's {@code requires_grad_()}. */
    public Tensor requiresGrad_(boolean on) {
        autograd().requireGrad(this, on);
        return this;
    }

    /** True for tensors created by the user rather than by a recorded op. */
    public boolean isLeaf() { return gradFn() == null; }

    /** The accumulated gradient, or null if none has been computed (or it was cleared). */
    public Tensor grad() { return autograd == null ? null : autograd.grad; }

    /** Clears the gradient (PyTorch's {@code t.grad = None}). */
    public void clearGrad() {
        autograd().clear(this);
    }

    /** Puts back a gradient field after tracing. */
    void restoreGrad(Tensor g) {
        autograd().grad = g;
    }

    /** Replaces the gradient; it must match this tensor's shape. */
    public void setGrad(Tensor g) {
        autograd().set(this, g);
    }

    /**
     * Calls {@code hook} with this tensor each time a backward has added into its {@link #grad()}
     * (PyTorch's {@code register_post_accumulate_grad_hook}), also while tracing a compiled step,
     * where the gradient is symbolic; what the hook does to gradients is then part of the step.
     * {@code DistributedDataParallel} averages gradients across processes this way.
     */
    public HookHandle registerPostAccumulateGradHook(java.util.function.Consumer<Tensor> hook) {
        GradState s = autograd();
        if (s.hooks == null) {
            s.hooks = new java.util.concurrent.CopyOnWriteArrayList<>();
        }
        s.hooks.add(hook);
        return () -> s.hooks.remove(hook);
    }

    /** Removes a registered hook. */
    @FunctionalInterface
    public interface HookHandle {
        void remove();
    }

    private GradState autograd() {
        GradState s = autograd;
        if (s == null) {
            autograd = s = new GradState();
        }
        return s;
    }

    /**
     * Makes this tensor share {@code source}'s storage, with its shape, strides and dtype —
     * PyTorch's {@code set_(source)}, as {@code Module.to(dtype)} uses it to convert parameters
     * that optimizers and fields keep referring to. The tensor is a view afterwards only if
     * {@code source} is one (a converted parameter is whole, so compiled steps write it in place).
     * Not while tracing, and not on a tensor that a recorded graph still needs (its version moves
     * on, so such a backward fails clearly).
     */
    public Tensor set_(Tensor source) {
        if (isSymbolic() || source.isSymbolic() || Trace.active() != null) {
            throw new KilnException("set_: cannot replace a tensor's storage while tracing");
        }
        Tensor grad = grad();
        if (grad != null && (!grad.shape().equals(source.shape()) || grad.dtype() != source.dtype())) {
            throw new KilnException("set_: the tensor has a gradient of " + grad.dtype() + " " + grad.shape()
                    + "; convert or clear it first (Module.to converts it)");
        }
        TensorData before = data;
        data = source.data;
        // it takes the source's storage whole, as detach() shares it: a view only if the source is one
        isView = source.isView;
        data.storage().succeed(before.storage());
        return this;
    }

    /**
     * A tensor sharing this one's storage, outside any autograd graph. While tracing, a symbolic
     * tensor (or a concrete one the trace has written) detaches to a {@code detach} node: the same
     * value, through which no gradient flows.
     */
    public Tensor detach() {
        Trace t = isSymbolic() ? symbol.trace : Trace.active();
        if (t != null && (isSymbolic() || t.wrote(this))) {
            return t.symbolic(t.builder().add(new dev.kiln.ir.Detach(), t.nodeOf(this)));
        }
        return new Tensor(data, isView);
    }

    /** Backpropagates from this scalar: adds d(this)/d(leaf) to the {@code grad()} of every leaf that requires grad. */
    public void backward() {
        if (isSymbolic()) {
            symbol.trace.backward(this, null);
            return;
        }
        Autograd.backward(this, null, false, false);
    }

    /** Backpropagates with an explicit gradient of this tensor's shape. */
    public void backward(Tensor gradient) {
        if (isSymbolic()) {
            symbol.trace.backward(this, gradient);
            return;
        }
        Autograd.backward(this, gradient, false, false);
    }

    GradFn gradFn() {
        return autograd == null ? null : autograd.gradFn;
    }

    void setGradFn(GradFn fn) {
        autograd().madeBy(fn);
    }

    void accumulateGrad(Tensor g) {
        autograd().accumulate(this, g);
    }

    Tensor castTo(DType to) {
        return dtype() == to ? this : compute(new Cast(to), this);
    }

    Tensor expandTo(Shape to) {
        return shape().equals(to) ? this : move(new Movement.Expand(to), this);
    }

    static Tensor binary(Op op, Tensor a, Tensor b) {
        return Lowering.binary(op, a, b);
    }

    /** {@code this op s} with a weak Java scalar: the tensor's dtype wins within its category. */
    private Tensor binary(Op op, double s, boolean floating) {
        DType t = Promotion.withScalar(dtype(), floating);
        return binary(op, castTo(t), scalarLike(s, t));
    }

    private Tensor on(Device d) {
        return d.equals(device()) ? this : to(d);
    }

    /**
     * A copy on {@code device} (this tensor if it is already there), made by the backends of both
     * devices. Fails, naming the artifact to add, when no backend for the device is on the class
     * path. Not recorded by autograd yet, and not while tracing.
     */
    public Tensor to(Device target) {
        if (target.equals(device())) {
            return this;
        }
        if (isSymbolic()) {
            throw new KilnException("to(" + target + "): a tensor being traced cannot change device inside a compiled"
                    + " function; move the model and the data before calling it");
        }
        return new Tensor(Backends.transfer(data(), target), false);
    }

    // ------------------------------------------------------------------ elementwise

    public Tensor add(Tensor other) { return binary(new Binary.Add(), this, other); }
    public Tensor add(double s) { return binary(new Binary.Add(), s, true); }
    public Tensor add(long s) { return binary(new Binary.Add(), s, false); }
    public Tensor sub(Tensor other) { return binary(new Binary.Sub(), this, other); }
    public Tensor sub(double s) { return binary(new Binary.Sub(), s, true); }
    public Tensor sub(long s) { return binary(new Binary.Sub(), s, false); }

    /** {@code s - this}. */
    public Tensor rsub(double s) {
        DType t = Promotion.withScalar(dtype(), true);
        return binary(new Binary.Sub(), scalarLike(s, t), castTo(t));
    }

    public Tensor mul(Tensor other) { return binary(new Binary.Mul(), this, other); }
    public Tensor mul(double s) { return binary(new Binary.Mul(), s, true); }
    public Tensor mul(long s) { return binary(new Binary.Mul(), s, false); }

    /** True division: integer tensors give the default float type. */
    public Tensor div(Tensor other) { return binary(new Binary.Div(), this, other); }
    public Tensor div(double s) { return binary(new Binary.Div(), s, true); }
    public Tensor div(long s) { return binary(new Binary.Div(), s, false); }

    /** Elementwise power; exact for integer exponents of negative bases. */
    public Tensor pow(Tensor exponent) { return binary(new Binary.Pow(), this, exponent); }
    public Tensor pow(double exponent) { return binary(new Binary.Pow(), exponent, true); }
    public Tensor pow(long exponent) { return binary(new Binary.Pow(), exponent, false); }
    public Tensor maximum(Tensor other) { return binary(new Binary.Maximum(), this, other); }
    public Tensor minimum(Tensor other) { return binary(new Binary.Minimum(), this, other); }

    private Tensor unary(Unary op) {
        Tensor in = op.floatingOnly() && !dtype().isFloating() ? castTo(Kiln.defaultDtype()) : this;
        return compute(op, in);
    }

    public Tensor neg() { return unary(new Unary.Neg()); }
    public Tensor abs() { return unary(new Unary.Abs()); }
    public Tensor exp() { return unary(new Unary.Exp()); }
    public Tensor log() { return unary(new Unary.Log()); }
    public Tensor sin() { return unary(new Unary.Sin()); }
    public Tensor cos() { return unary(new Unary.Cos()); }
    public Tensor sqrt() { return unary(new Unary.Sqrt()); }
    public Tensor tanh() { return unary(new Unary.Tanh()); }

    /** {@code 1 / (1 + exp(-x))}, computed without overflow (the gradient is finite everywhere, 0 at ±∞). */
    public Tensor sigmoid() { return Composites.sigmoid(this); }

    /**
     * {@code where(x <= 0, 0, x)}, as PyTorch's: NaN stays NaN and passes its gradient, the gradient
     * at 0 is 0. (Written {@code where(x > 0, x, 0)} it would turn NaN into 0 and hide it.)
     */
    public Tensor relu() { return where(le(0.0), zerosLikeScalar(), this); }

    private Tensor zerosLikeScalar() {
        return literal(0, dtype()).on(device());
    }

    private Tensor compare(Compare op, Tensor other) {
        return binary(op, this, other);
    }

    public Tensor lt(Tensor o) { return compare(new Compare.Lt(), o); }
    public Tensor le(Tensor o) { return compare(new Compare.Le(), o); }
    public Tensor gt(Tensor o) { return compare(new Compare.Gt(), o); }
    public Tensor ge(Tensor o) { return compare(new Compare.Ge(), o); }
    public Tensor eq(Tensor o) { return compare(new Compare.Eq(), o); }
    public Tensor ne(Tensor o) { return compare(new Compare.Ne(), o); }
    public Tensor lt(double s) { return binary(new Compare.Lt(), s, true); }
    public Tensor le(double s) { return binary(new Compare.Le(), s, true); }
    public Tensor gt(double s) { return binary(new Compare.Gt(), s, true); }
    public Tensor ge(double s) { return binary(new Compare.Ge(), s, true); }
    public Tensor eq(double s) { return binary(new Compare.Eq(), s, true); }
    public Tensor ne(double s) { return binary(new Compare.Ne(), s, true); }

    /** {@code cond ? a : b} elementwise, broadcasting all three. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) { return Lowering.where(cond, a, b); }

    /** This tensor converted to {@code dtype} (itself if it already is). */
    public Tensor to(DType dtype) { return castTo(dtype); }

    // ------------------------------------------------------------------ reductions

    /** Sum of all elements, a 0-d tensor (int64 for integer and bool tensors). */
    public Tensor sum() { return compute(new Reduce.Sum(Axes.all(dim()), false), this); }
    public Tensor sum(int axis) { return sum(new int[] {axis}, false); }

    /** Sum over {@code axis}, keeping it as size 1 with {@code keepDim} ({@code t.sum(dim, keepdim)}). */
    public Tensor sum(int axis, boolean keepDim) { return sum(new int[] {axis}, keepDim); }
    /** Sum over several axes at once (negative count from the end; an empty list means all), as {@code x.sum(dims, keepdim)}. */
    public Tensor sum(int[] axes, boolean keepDim) { return compute(new Reduce.Sum(normalizeAxes(axes), keepDim), this); }

    /** Mean of all elements (floating tensors only, as in PyTorch). */
    public Tensor mean() { return mean(Axes.all(dim()).toArray(), false); }
    public Tensor mean(int axis) { return mean(new int[] {axis}, false); }
    public Tensor mean(int axis, boolean keepDim) { return mean(new int[] {axis}, keepDim); }
    public Tensor mean(int[] axes, boolean keepDim) { return Lowering.mean(this, normalizeAxes(axes), keepDim); }

    /** Maximum of all elements; NaN if any is NaN, and then its gradient goes evenly to the NaN elements, as PyTorch's. */
    public Tensor max() { return dtype().isFloating() ? new ExtremeValue(true).apply(this) : amax(Axes.all(dim()).toArray(), false); }

    /** Maximum over axes (PyTorch's {@code amax}); ties share the gradient equally; NaN propagates, and a NaN result's gradient is NaN, as PyTorch's. */
    public Tensor amax(int[] axes, boolean keepDim) { return compute(new Reduce.Max(normalizeAxes(axes), keepDim), this); }
    public Tensor amax(int axis) { return amax(new int[] {axis}, false); }
    public Tensor amax(int axis, boolean keepDim) { return amax(new int[] {axis}, keepDim); }

    /** Minimum of all elements, as {@link #max()}. */
    public Tensor min() { return dtype().isFloating() ? new ExtremeValue(false).apply(this) : amin(Axes.all(dim()).toArray(), false); }

    /** Minimum over axes (PyTorch's {@code amin}): {@code -amax(-x)}, so ties share the gradient equally. */
    public Tensor amin(int[] axes, boolean keepDim) { return neg().amax(axes, keepDim).neg(); }
    public Tensor amin(int axis) { return amin(new int[] {axis}, false); }
    public Tensor amin(int axis, boolean keepDim) { return amin(new int[] {axis}, keepDim); }

    private Axes normalizeAxes(int[] axes) {
        return Lowering.axes(shape(), axes);
    }

    // ------------------------------------------------------------------ composites (Composites: PyTorch's definitions)

    /** softmax along {@code dim}, stable (the detached maximum is subtracted first). */
    public Tensor softmax(int dim) { return Composites.softmax(this, dim); }
    public Tensor logSoftmax(int dim) { return Composites.logSoftmax(this, dim); }
    public Tensor logsumexp(int dim, boolean keepDim) { return Composites.logsumexp(this, dim, keepDim); }
    /** Index (int64, no gradient) of the first maximum along {@code dim}; NaN counts as the maximum. */
    public Tensor argmax(int dim, boolean keepDim) { return Composites.argExtreme(this, dim, keepDim, true); }
    /** Index of the maximum of the flattened tensor. */
    public Tensor argmax() { return flatten().argmax(0, false); }
    public Tensor argmin(int dim, boolean keepDim) { return Composites.argExtreme(this, dim, keepDim, false); }
    public Tensor argmin() { return flatten().argmin(0, false); }
    /** Values limited to [min, max] (NaN for no bound); the gradient passes where min ≤ x ≤ max, as PyTorch's. */
    public Tensor clamp(double min, double max) { return Composites.clamp(this, min, max); }
    public Tensor clampMin(double min) { return Composites.clamp(this, min, Double.NaN); }
    public Tensor clampMax(double max) { return Composites.clamp(this, Double.NaN, max); }
    /** Elementwise and of truth values (non-zero is true): a bool tensor. */
    public Tensor logicalAnd(Tensor other) { return Composites.logical(this, other, true); }
    public Tensor logicalOr(Tensor other) { return Composites.logical(this, other, false); }
    public Tensor logicalNot() { return eq(0); }
    /** {@code value} where the bool {@code mask} is true, this tensor's values elsewhere. */
    public Tensor maskedFill(Tensor mask, double value) { return Composites.maskedFill(this, mask, value); }
    /** Variance over {@code dim}, with Bessel's correction when {@code unbiased}. */
    public Tensor var(int dim, boolean keepDim, boolean unbiased) { return var(new int[] {dim}, keepDim, unbiased); }
    /** Variance over several dims at once (negative count from the end; empty means all), as {@code x.var(dims, unbiased, keepdim)}. */
    public Tensor var(int[] dims, boolean keepDim, boolean unbiased) { return Composites.var(this, dims, keepDim, unbiased ? 1 : 0); }
    /** Variance over {@code dims} divided by max(0, n − correction), as PyTorch 2's {@code x.var(dims, correction=c)}. */
    public Tensor var(int[] dims, boolean keepDim, double correction) { return Composites.var(this, dims, keepDim, correction); }
    /** Unbiased variance of all elements. */
    public Tensor var() { return var(new int[0], false, true); }
    public Tensor std(int dim, boolean keepDim, boolean unbiased) { return var(dim, keepDim, unbiased).sqrt(); }
    /** Standard deviation over several dims at once: the square root of {@link #var(int[], boolean, boolean)}. */
    public Tensor std(int[] dims, boolean keepDim, boolean unbiased) { return var(dims, keepDim, unbiased).sqrt(); }
    public Tensor std(int[] dims, boolean keepDim, double correction) { return var(dims, keepDim, correction).sqrt(); }
    public Tensor std() { return var().sqrt(); }
    /** log(1 + x), accurate near 0. */
    public Tensor log1p() { return unary(new Unary.Log1p()); }
    /** exp(x) − 1, accurate near 0. */
    public Tensor expm1() { return unary(new Unary.Expm1()); }
    /** The error function, to about 1e-16 relative (Java has no {@code Math.erf}). */
    public Tensor erf() { return unary(new Unary.Erf()); }
    /** Values along {@code dim} at {@code index} (int64, this tensor's rank), as {@code torch.gather}. */
    public Tensor gather(int dim, Tensor index) { return Composites.gather(this, dim, index); }
    /** {@link #gather} after broadcasting index and input off {@code dim}, as {@code torch.take_along_dim}. */
    public Tensor takeAlongDim(Tensor index, int dim) { return Composites.takeAlongDim(this, index, dim); }
    /** Slices along {@code dim} at a 1-D int64 index, as {@code torch.index_select}. */
    public Tensor indexSelect(int dim, Tensor index) { return Composites.indexSelect(this, dim, index); }
    /** This tensor plus {@code src} added at {@code index} along {@code dim}, as {@code scatter_add}: {@link #gather}'s gradient. */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) { return Composites.scatterAdd(this, dim, index, src); }
    /** Tensors joined along {@code dim}, as {@code torch.cat}. */
    public static Tensor cat(List<Tensor> tensors, int dim) { return Composites.cat(tensors, dim); }
    /** Tensors of one shape stacked along a new {@code dim}, as {@code torch.stack}. */
    public static Tensor stack(List<Tensor> tensors, int dim) { return Composites.stack(tensors, dim); }
    /** Views of {@code size} along {@code dim} (the last may be smaller), as {@code torch.split}. */
    public List<Tensor> split(int size, int dim) { return Composites.split(this, size, dim); }
    /** {@code chunks} views along {@code dim}, as {@code torch.chunk}. */
    public List<Tensor> chunk(int chunks, int dim) { return Composites.chunk(this, chunks, dim); }

    // ------------------------------------------------------------------ movement (views where possible)

    /** The same elements in another shape; one dimension may be -1. A view when the layout allows, else a copy. */
    public Tensor reshape(int... dims) { return move(new Movement.Reshape(Lowering.inferShape(shape(), dims)), this); }

    /** Like {@link #reshape} but fails rather than copy, as PyTorch's {@code view}. */
    public Tensor view(int... dims) { return Lowering.view(this, dims); }

    /** Broadcasts size-1 dimensions (and new leading ones) to {@code dims}; -1 keeps a size. A view. */
    public Tensor expand(int... dims) { return move(new Movement.Expand(Lowering.expandShape(shape(), dims)), this); }
    public Tensor expand(Shape shape) { return expandTo(shape); }

    /** Reorders dimensions; a view. */
    public Tensor permute(int... order) { return move(new Movement.Permute(Lowering.order(dim(), order)), this); }

    /** Swaps two dimensions; a view. */
    public Tensor transpose(int a, int b) { return permute(Lowering.swapped(shape(), a, b)); }

    /** Transpose of a matrix (a 0-d or 1-D tensor is returned as it is). */
    public Tensor t() {
        if (dim() > 2) {
            throw new KilnException("t() expects a tensor with <= 2 dimensions, got " + shape() + "; use transpose(a, b)");
        }
        return dim() < 2 ? this : transpose(0, 1);
    }

    /** Inserts a size-1 dimension at {@code axis} (in {@code [-dim()-1, dim()]}). */
    public Tensor unsqueeze(int axis) { return reshape(Lowering.unsqueezed(shape(), axis)); }

    /** Removes every size-1 dimension. */
    public Tensor squeeze() { return reshape(Arrays.stream(shape().toArray()).filter(s -> s != 1).toArray()); }

    /** Removes dimension {@code axis} if its size is 1 (else returns this tensor, as PyTorch). */
    public Tensor squeeze(int axis) {
        int a = shape().normalizeAxis(axis);
        return size(a) != 1 ? this : reshape(Lowering.without(shape(), a));
    }

    /** Flattens everything into one dimension. */
    public Tensor flatten() { return flatten(0, -1); }

    /** Flattens dimensions {@code start..end} (inclusive) into one, as {@code torch.flatten}. */
    public Tensor flatten(int start, int end) {
        return dim() == 0 ? reshape(1) : reshape(Lowering.flattened(shape(), start, end));
    }

    /** Elements {@code start, start+step, ...} below {@code end} along {@code axis} (Python's {@code t[start:end:step]}); a view. */
    public Tensor slice(int axis, int start, int end, int step) {
        return move(Lowering.slice(shape(), axis, start, end, step), this);
    }

    /** The slice at {@code index} along {@code axis}, without that dimension (Python's {@code t[:, i]}); a view. */
    public Tensor select(int axis, int index) {
        int a = shape().normalizeAxis(axis);
        return move(Lowering.select(shape(), axis, index), this).squeeze(a);
    }

    /** The element or sub-tensor at leading indices, as {@code t[i, j]}. */
    public Tensor get(int... indices) { return Lowering.index(this, indices); }

    /** A contiguous tensor with the same values (this one if it already is contiguous). */
    public Tensor contiguous() { return isContiguous() ? this : clone(); }

    /** A copy with its own storage; autograd flows through it. */
    @Override
    public Tensor clone() {
        // Through the backend, not Views: a reshape of a contiguous tensor would only be a view.
        return compute(new Movement.Reshape(shape()), this);
    }

    // ------------------------------------------------------------------ matmul

    /** Matrix product with {@code torch.matmul}'s rules: 1-D operands, 2-D, and broadcast batches. */
    public Tensor matmul(Tensor other) { return Lowering.matmul(this, other); }

    // ------------------------------------------------------------------ in-place

    /** {@code this += other} (other broadcasts to this shape); returns this. */
    public Tensor add_(Tensor other) { return inPlace(new Binary.Add(), other); }
    public Tensor add_(double s) { return inPlace(new Binary.Add(), scalar(s, dtype()).on(device())); }

    /** {@code this -= other}, as the seed's {@code a -= learning_rate * a.grad}; returns this. */
    public Tensor sub_(Tensor other) { return inPlace(new Binary.Sub(), other); }
    public Tensor sub_(double s) { return inPlace(new Binary.Sub(), scalar(s, dtype()).on(device())); }
    public Tensor mul_(Tensor other) { return inPlace(new Binary.Mul(), other); }
    public Tensor mul_(double s) { return inPlace(new Binary.Mul(), scalar(s, dtype()).on(device())); }
    public Tensor div_(Tensor other) { return inPlace(new Binary.Div(), other); }
    public Tensor div_(double s) { return inPlace(new Binary.Div(), scalar(s, dtype()).on(device())); }

    /** Copies {@code src} (broadcast and converted) into this tensor; returns this. */
    public Tensor copy_(Tensor src) { return inPlace(null, src); }
    public Tensor fill_(double value) { return inPlace(null, scalar(value, dtype()).on(device())); }
    public Tensor zero_() { return fill_(0); }

    private Tensor inPlace(Op op, Tensor other) {
        return InPlace.apply(this, op, other);
    }

    boolean isView() {
        return isView;
    }

    /** A second handle on this tensor's value and history, so an in-place op can record "this, before". */
    Tensor aliasWithHistory() {
        Tensor alias = new Tensor(data, isView);
        alias.autograd = autograd == null ? null : autograd.history();
        return alias;
    }

    /** After an in-place op recorded by autograd: this tensor's history is now the value's. */
    void adoptHistory(Tensor value) {
        GradState s = autograd();
        s.gradFn = value.gradFn();
        s.requiresGrad = value.requiresGrad();
    }

    /** After an in-place op on a symbolic tensor: it now stands for another node. */
    void rebind(Node n) {
        symbol.node = n;
    }
}
