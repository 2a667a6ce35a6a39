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
 *
 * <p>Autograd, as in PyTorch:
 * {@snippet file="ApiSnippets.java" region="autograd"}
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

    /**
     * Whether this tensor stands for a node of a graph being traced (inside {@link Kiln#compile}), with no values yet.
     *
     * @return true for a symbolic tensor, false for one with values
     */
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

    /**
     * A 1-D tensor of the default dtype (float32 unless {@link Kiln#defaultDtype(DType)} says otherwise), as
     * {@code torch.tensor([...])}, on the default device.
     *
     * @param values the elements, converted to the default dtype
     * @return a new tensor of shape {@code [values.length]}
     */
    public static Tensor of(double... values) { return of(Kiln.defaultDtype(), values); }

    /**
     * A 1-D float32 tensor, whatever the default dtype, on the default device.
     *
     * @param values the elements
     * @return a new float32 tensor of shape {@code [values.length]}
     */
    public static Tensor of(float... values) { return Factories.of(values); }

    /**
     * A 1-D int64 tensor, like {@code torch.tensor([1, 2, 3])}, on the default device.
     *
     * @param values the elements
     * @return a new int64 tensor of shape {@code [values.length]}
     */
    public static Tensor of(long... values) { return Factories.of(values); }

    /**
     * A 1-D tensor of {@code dtype}, as {@code torch.tensor([...], dtype=dtype)}, on the default device.
     *
     * @param dtype the element type
     * @param values the elements, converted to {@code dtype}
     * @return a new tensor of shape {@code [values.length]}
     */
    public static Tensor of(DType dtype, double... values) { return fromArray(values, Shape.of(values.length), dtype); }

    /**
     * A tensor of {@code shape} holding {@code values} in row-major order, converted to {@code dtype}, on the default
     * device.
     *
     * @param values the elements, row-major; as many as the shape holds
     * @param shape the tensor's shape
     * @param dtype the element type
     * @return a new tensor
     * @throws KilnException if the number of values is not the shape's element count
     */
    public static Tensor fromArray(double[] values, Shape shape, DType dtype) {
        return Factories.fromArray(values, shape, dtype);
    }

    /**
     * A 0-d float64 tensor that takes part in type promotion like a Java scalar, as PyTorch's wrapped numbers do:
     * {@code float32Tensor.mul(weakScalar(0.1))} stays float32. Optimizers keep hyper-parameters in these, so compiled
     * steps read them as inputs. It is made on the CPU whatever the default device, and joins tensors of any device.
     *
     * @param value the scalar's value
     * @return a new 0-d float64 tensor that promotes as a Java {@code double}
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

    /**
     * A 0-d tensor of the default dtype (float32 unless {@link Kiln#defaultDtype(DType)} says otherwise), as
     * {@code torch.tensor(value)}, on the default device.
     *
     * @param value the value, converted to the default dtype
     * @return a new 0-d tensor
     */
    public static Tensor scalar(double value) { return scalar(value, Kiln.defaultDtype()); }

    /**
     * A 0-d tensor of {@code dtype} on the default device.
     *
     * @param value the value, converted to {@code dtype}
     * @param dtype the element type
     * @return a new 0-d tensor
     */
    public static Tensor scalar(double value, DType dtype) { return full(Shape.scalar(), value, dtype); }

    /**
     * A tensor of {@code shape} filled with {@code value}, as {@code torch.full}, on the default device.
     *
     * @param shape the tensor's shape
     * @param value every element's value, converted to {@code dtype}
     * @param dtype the element type
     * @return a new tensor
     */
    public static Tensor full(Shape shape, double value, DType dtype) { return Factories.full(shape, value, dtype); }

    /**
     * A tensor of {@code shape} filled with {@code value}, of the default dtype, as {@code torch.full}, on the default
     * device.
     *
     * @param shape the tensor's shape
     * @param value every element's value
     * @return a new tensor
     */
    public static Tensor full(Shape shape, double value) { return full(shape, value, Kiln.defaultDtype()); }

    /**
     * A tensor of zeros of the default dtype, as {@code torch.zeros(*dims)}, on the default device.
     *
     * @param dims the sizes of the dimensions, each at least 0; none for a 0-d tensor
     * @return a new tensor
     * @throws KilnException if a size is negative
     */
    public static Tensor zeros(int... dims) { return zeros(Shape.of(dims), Kiln.defaultDtype()); }

    /**
     * A tensor of zeros, as {@code torch.zeros(shape, dtype=dtype)}, on the default device.
     *
     * @param shape the tensor's shape
     * @param dtype the element type
     * @return a new tensor
     */
    public static Tensor zeros(Shape shape, DType dtype) {
        return Factories.zeros(shape, dtype, Kiln.defaultDevice());
    }

    /**
     * A tensor of ones of the default dtype, as {@code torch.ones(*dims)}, on the default device.
     *
     * @param dims the sizes of the dimensions, each at least 0; none for a 0-d tensor
     * @return a new tensor
     * @throws KilnException if a size is negative
     */
    public static Tensor ones(int... dims) { return full(Shape.of(dims), 1.0, Kiln.defaultDtype()); }

    /**
     * A tensor of ones, as {@code torch.ones(shape, dtype=dtype)}, on the default device.
     *
     * @param shape the tensor's shape
     * @param dtype the element type
     * @return a new tensor
     */
    public static Tensor ones(Shape shape, DType dtype) { return full(shape, 1.0, dtype); }

    /**
     * {@code steps} evenly spaced values of the default dtype from {@code start} to {@code end} inclusive, as
     * {@code torch.linspace}, on the default device.
     *
     * @param start the first value
     * @param end the last value (exact: the second half counts down from it); with one step the value is {@code start}
     * @param steps how many values, at least 0
     * @return a new 1-D tensor of shape {@code [steps]}
     * @throws KilnException if {@code steps} is negative
     */
    public static Tensor linspace(double start, double end, int steps) {
        return linspace(start, end, steps, Kiln.defaultDtype());
    }

    /**
     * {@code steps} evenly spaced values of {@code dtype} from {@code start} to {@code end} inclusive, as
     * {@code torch.linspace(start, end, steps, dtype=dtype)}, on the default device.
     *
     * @param start the first value
     * @param end the last value (exact: the second half counts down from it); with one step the value is {@code start}
     * @param steps how many values, at least 0
     * @param dtype the element type
     * @return a new 1-D tensor of shape {@code [steps]}
     * @throws KilnException if {@code steps} is negative
     */
    public static Tensor linspace(double start, double end, int steps, DType dtype) {
        return Factories.linspace(start, end, steps, dtype);
    }

    /**
     * {@code 0, 1, ..., end-1} as int64, as {@code torch.arange(end)}, on the default device.
     *
     * @param end the bound, excluded; 0 or less gives an empty tensor
     * @return a new 1-D int64 tensor
     */
    public static Tensor arange(long end) { return arange(0, end, 1); }

    /**
     * {@code start, start+step, ...} up to {@code end} excluded, as int64, as {@code torch.arange(start, end, step)},
     * on the default device.
     *
     * @param start the first value
     * @param end the bound, excluded
     * @param step the difference between neighbours, positive or negative
     * @return a new 1-D int64 tensor, empty if {@code start} is already past {@code end}
     * @throws KilnException if {@code step} is 0
     */
    public static Tensor arange(long start, long end, long step) { return Factories.arange(start, end, step); }

    /**
     * Standard normal values of the default dtype from the calling thread's generator, as {@code torch.randn(*dims)},
     * on the default device.
     *
     * @param dims the sizes of the dimensions, each at least 0
     * @return a new tensor
     * @throws KilnException if a size is negative
     */
    public static Tensor randn(int... dims) { return randn(Shape.of(dims), Kiln.defaultDtype(), Kiln.defaultGenerator()); }

    /**
     * Standard normal values drawn from {@code generator}, as {@code torch.randn(shape, dtype=dtype, generator=g)}, on
     * the default device; the generator advances by two words per element. While tracing, a draw node of the graph.
     *
     * @param shape the tensor's shape
     * @param dtype the element type, a floating type
     * @param generator where the values come from
     * @return a new tensor
     * @throws KilnException if {@code dtype} is not floating
     */
    public static Tensor randn(Shape shape, DType dtype, Generator generator) {
        return Factories.random(Leaf.Distribution.NORMAL, shape, dtype, generator);
    }

    /**
     * Uniform values in [0, 1) of the default dtype from the calling thread's generator, as {@code torch.rand(*dims)},
     * on the default device.
     *
     * @param dims the sizes of the dimensions, each at least 0
     * @return a new tensor
     * @throws KilnException if a size is negative
     */
    public static Tensor rand(int... dims) { return rand(Shape.of(dims), Kiln.defaultDtype(), Kiln.defaultGenerator()); }

    /**
     * Uniform values in [0, 1) drawn from {@code generator}, as {@code torch.rand(shape, dtype=dtype, generator=g)}, on
     * the default device; the generator advances by two words per element. While tracing, a draw node of the graph.
     *
     * @param shape the tensor's shape
     * @param dtype the element type, a floating type
     * @param generator where the values come from
     * @return a new tensor
     * @throws KilnException if {@code dtype} is not floating
     */
    public static Tensor rand(Shape shape, DType dtype, Generator generator) {
        return Factories.random(Leaf.Distribution.UNIFORM, shape, dtype, generator);
    }

    // ------------------------------------------------------------------ properties

    /**
     * The sizes of this tensor's dimensions, as {@code tensor.shape}.
     *
     * @return the shape; {@code Shape.scalar()} for a 0-d tensor
     */
    public Shape shape() { return symbol != null ? symbol.node.shape() : data.shape(); }

    /**
     * Size of one dimension, as {@code tensor.size(axis)}.
     *
     * @param axis the dimension, in {@code [-dim(), dim())}; negative counts from the end
     * @return that dimension's size
     * @throws KilnException if the axis is out of range
     */
    public int size(int axis) { return shape().dim(axis); }

    /**
     * The number of dimensions, as {@code tensor.dim()}.
     *
     * @return the rank, 0 for a 0-d tensor
     */
    public int dim() { return shape().rank(); }

    /**
     * The number of elements, as {@code tensor.numel()}.
     *
     * @return the product of the sizes, 1 for a 0-d tensor
     * @throws KilnException for tensors of 2^31 elements or more
     */
    public int numel() { return shape().numel(); }

    /**
     * The element type, as {@code tensor.dtype}.
     *
     * @return the dtype
     */
    public DType dtype() { return symbol != null ? symbol.node.dtype() : data.dtype(); }

    /**
     * Where the values live, as {@code tensor.device}; a symbolic tensor is on the device of the tensors its trace
     * reads.
     *
     * @return the device
     */
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

    /**
     * Whether the elements lie in row-major order with no gaps, as {@code tensor.is_contiguous()}. A symbolic tensor
     * answers true.
     *
     * @return true if contiguous
     */
    public boolean isContiguous() { return symbol != null || data.layout().isContiguous(); }

    // ------------------------------------------------------------------ reading values

    /**
     * The value of a one-element tensor, as {@code tensor.item()}; copied from the device if the tensor is not on the
     * CPU.
     *
     * @return the value as a double (integers and bools converted)
     * @throws KilnException if the tensor has more than one element or none, or is symbolic
     */
    public double item() {
        if (numel() != 1) {
            throw new KilnException("item() needs a tensor with one element, this one has shape " + shape());
        }
        return hostData().getDouble(0);
    }

    /**
     * The values as floats, in row-major order whatever the strides; copied from the device if not on the CPU.
     *
     * @return a new array of {@link #numel()} values
     * @throws KilnException if the tensor is symbolic
     */
    public float[] toFloatArray() { return hostData().toFloatArray(); }

    /**
     * The values as doubles, in row-major order whatever the strides; copied from the device if not on the CPU.
     *
     * @return a new array of {@link #numel()} values
     * @throws KilnException if the tensor is symbolic
     */
    public double[] toDoubleArray() { return hostData().toDoubleArray(); }

    /**
     * The values as longs, in row-major order whatever the strides (floating values truncated toward zero); copied from
     * the device if not on the CPU.
     *
     * @return a new array of {@link #numel()} values
     * @throws KilnException if the tensor is symbolic
     */
    public long[] toLongArray() { return hostData().toLongArray(); }

    /** The values where the core can read them: the data itself on the CPU, else a host copy from the device's backend. */
    TensorData hostData() {
        return Backends.host(data());
    }

    @Override
    public String toString() { return symbol != null ? "tensor(symbolic " + symbol.node + ")" : TensorFormat.format(this); }

    // ------------------------------------------------------------------ autograd state

    /**
     * Whether autograd tracks this tensor, as {@code tensor.requires_grad}: a leaf set so, or a result of a recorded
     * op.
     *
     * @return true if gradients flow to or through it
     */
    public boolean requiresGrad() { return autograd != null && autograd.requiresGrad; }

    /**
     * Sets whether autograd tracks this leaf, in place, like PyTorch's {@code requires_grad_()}.
     *
     * @param on whether to track it
     * @return this tensor
     * @throws KilnException if {@code on} is true for a non-floating tensor, or false for a tensor computed from
     *     tensors that require grad (use {@link #detach()})
     */
    public Tensor requiresGrad_(boolean on) {
        autograd().requireGrad(this, on);
        return this;
    }

    /**
     * Whether this tensor was created by the user rather than by a recorded op, as {@code tensor.is_leaf}; every tensor
     * that does not require grad is a leaf.
     *
     * @return true if no recorded op made it
     */
    public boolean isLeaf() { return gradFn() == null; }

    /**
     * The gradient accumulated by backward, as {@code tensor.grad}.
     *
     * @return the gradient, of this tensor's shape, or null if none has been computed (or it was cleared)
     */
    public Tensor grad() { return autograd == null ? null : autograd.grad; }

    /**
     * Clears the gradient (PyTorch's {@code t.grad = None}): {@link #grad()} is null afterwards.
     */
    public void clearGrad() {
        autograd().clear(this);
    }

    /** Puts back a gradient field after tracing. */
    void restoreGrad(Tensor g) {
        autograd().grad = g;
    }

    /**
     * Replaces the gradient (PyTorch's {@code t.grad = g}).
     *
     * @param g the new gradient, of this tensor's shape; use {@link #clearGrad()} to clear
     * @throws KilnException if {@code g} is null or of another shape
     */
    public void setGrad(Tensor g) {
        autograd().set(this, g);
    }

    /**
     * Calls {@code hook} with this tensor each time a backward has added into its {@link #grad()} (PyTorch's
     * {@code register_post_accumulate_grad_hook}), also while tracing a compiled step, where the gradient is symbolic;
     * what the hook does to gradients is then part of the step. {@code DistributedDataParallel} averages gradients
     * across processes this way. Hooks run in registration order.
     *
     * @param hook the code to run, given this tensor
     * @return a handle whose {@code remove()} unregisters the hook
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
        /**
         * Unregisters the hook; later backward passes no longer call it.
         */
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
     * Makes this tensor share {@code source}'s storage, with its shape, strides and dtype — PyTorch's
     * {@code set_(source)}, as {@code Module.to(dtype)} uses it to convert parameters that optimizers and fields keep
     * referring to. The tensor is a view afterwards only if {@code source} is one (a converted parameter is whole, so
     * compiled steps write it in place). Not while tracing, and not on a tensor that a recorded graph still needs (its
     * version moves on, so such a backward fails clearly). Its gradient and autograd state stay.
     *
     * @param source the tensor whose storage and layout this one takes
     * @return this tensor
     * @throws KilnException while tracing, or if this tensor has a gradient of another shape or dtype than
     *     {@code source}
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
     * A tensor sharing this one's storage, outside any autograd graph, as {@code tensor.detach()}: it does not require
     * grad, and in-place writes to either show in both. While tracing, a symbolic tensor (or a concrete one the trace
     * has written) detaches to a {@code detach} node: the same value, through which no gradient flows.
     *
     * @return the detached tensor
     */
    public Tensor detach() {
        Trace t = isSymbolic() ? symbol.trace : Trace.active();
        if (t != null && (isSymbolic() || t.wrote(this))) {
            return t.symbolic(t.builder().add(new dev.kiln.ir.Detach(), t.nodeOf(this)));
        }
        return new Tensor(data, isView);
    }

    /**
     * Backpropagates from this one-element tensor, as {@code tensor.backward()}: adds d(this)/d(leaf) to the
     * {@code grad()} of every leaf that requires grad, then frees the graph's saved values. While tracing, the backward
     * is part of the traced step. See {@link Autograd#backward}.
     *
     * @throws KilnException if this tensor has more than one element or does not require grad, or the graph was freed
     */
    public void backward() {
        if (isSymbolic()) {
            symbol.trace.backward(this, null);
            return;
        }
        Autograd.backward(this, null, false, false);
    }

    /**
     * Backpropagates with an explicit gradient, as {@code tensor.backward(gradient)}: adds the vector-Jacobian product
     * to the {@code grad()} of every leaf that requires grad, then frees the graph's saved values.
     *
     * @param gradient d(loss)/d(this), of this tensor's shape; null for a one-element tensor, meaning one
     * @throws KilnException if the gradient's shape differs, this tensor does not require grad, or the graph was freed
     */
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
     * A copy on {@code target} (this tensor if it is already there), made by the backends of both devices, as
     * {@code tensor.to(device)}. Fails, naming the artifact to add, when no backend for the device is on the class
     * path. Not recorded by autograd yet (the copy does not require grad), and not while tracing.
     *
     * @param target the device to copy to
     * @return a contiguous copy on {@code target}, or this tensor
     * @throws KilnException if this tensor is symbolic or no backend for {@code target} is on the class path
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

    /**
     * Elementwise {@code this + other}, as {@code torch.add}, with broadcasting and PyTorch's type promotion.
     *
     *
     * @param other the other operand; it broadcasts with this tensor
     * @return a new tensor of the broadcast shape and the promoted dtype
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor add(Tensor other) { return binary(new Binary.Add(), this, other); }

    /**
     * Elementwise {@code this + s}, with {@code s} a weak scalar: a floating tensor keeps its dtype, an integer or bool
     * one gives float32.
     *
     * @param s the number to add
     * @return a new tensor of this shape
     */
    public Tensor add(double s) { return binary(new Binary.Add(), s, true); }

    /**
     * Elementwise {@code this + s}, with {@code s} a weak integer scalar: the tensor keeps its dtype (bool gives
     * int64).
     *
     * @param s the number to add
     * @return a new tensor of this shape
     */
    public Tensor add(long s) { return binary(new Binary.Add(), s, false); }

    /**
     * Elementwise {@code this - other}, as {@code torch.sub}, with broadcasting and PyTorch's type promotion.
     *
     *
     * @param other the other operand; it broadcasts with this tensor
     * @return a new tensor of the broadcast shape and the promoted dtype
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor sub(Tensor other) { return binary(new Binary.Sub(), this, other); }

    /**
     * Elementwise {@code this - s}, with {@code s} a weak scalar: a floating tensor keeps its dtype, an integer or bool
     * one gives float32.
     *
     * @param s the number to subtract
     * @return a new tensor of this shape
     */
    public Tensor sub(double s) { return binary(new Binary.Sub(), s, true); }

    /**
     * Elementwise {@code this - s}, with {@code s} a weak integer scalar: the tensor keeps its dtype (bool gives
     * int64).
     *
     * @param s the number to subtract
     * @return a new tensor of this shape
     */
    public Tensor sub(long s) { return binary(new Binary.Sub(), s, false); }

    /**
     * Elementwise {@code s - this}, as {@code torch.rsub}; {@code s} is a weak scalar as in {@link #sub(double)}.
     *
     * @param s the number to subtract from
     * @return a new tensor of this shape
     */
    public Tensor rsub(double s) {
        DType t = Promotion.withScalar(dtype(), true);
        return binary(new Binary.Sub(), scalarLike(s, t), castTo(t));
    }

    /**
     * Elementwise {@code this * other}, as {@code torch.mul}, with broadcasting and PyTorch's type promotion.
     *
     *
     * @param other the other operand; it broadcasts with this tensor
     * @return a new tensor of the broadcast shape and the promoted dtype
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor mul(Tensor other) { return binary(new Binary.Mul(), this, other); }

    /**
     * Elementwise {@code this * s}, with {@code s} a weak scalar: a floating tensor keeps its dtype, an integer or bool
     * one gives float32.
     *
     * @param s the factor
     * @return a new tensor of this shape
     */
    public Tensor mul(double s) { return binary(new Binary.Mul(), s, true); }

    /**
     * Elementwise {@code this * s}, with {@code s} a weak integer scalar: the tensor keeps its dtype (bool gives
     * int64).
     *
     * @param s the factor
     * @return a new tensor of this shape
     */
    public Tensor mul(long s) { return binary(new Binary.Mul(), s, false); }

    /**
     * Elementwise true division {@code this / other}, as {@code torch.div}, with broadcasting and PyTorch's type
     * promotion. Integer and bool operands give the default floating dtype.
     *
     *
     * @param other the other operand; it broadcasts with this tensor
     * @return a new tensor of the broadcast shape and the promoted dtype
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor div(Tensor other) { return binary(new Binary.Div(), this, other); }

    /**
     * Elementwise true division {@code this / s}: a floating tensor keeps its dtype, an integer or bool one gives a
     * floating result.
     *
     * @param s the divisor
     * @return a new floating tensor of this shape
     */
    public Tensor div(double s) { return binary(new Binary.Div(), s, true); }

    /**
     * Elementwise true division {@code this / s}: a floating tensor keeps its dtype, an integer or bool one gives the
     * default floating dtype.
     *
     * @param s the divisor
     * @return a new floating tensor of this shape
     */
    public Tensor div(long s) { return binary(new Binary.Div(), s, false); }

    /**
     * Elementwise power {@code this ^ exponent}, as {@code torch.pow}, with broadcasting and type promotion; exact for
     * integer exponents of negative bases.
     *
     * @param exponent the exponents; they broadcast with this tensor
     * @return a new tensor of the broadcast shape and the promoted dtype
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor pow(Tensor exponent) { return binary(new Binary.Pow(), this, exponent); }

    /**
     * Elementwise power {@code this ^ exponent}, as {@code torch.pow}; exact for whole exponents of negative bases. A
     * floating tensor keeps its dtype, an integer or bool one gives float32.
     *
     * @param exponent the exponent, a weak scalar
     * @return a new tensor of this shape
     */
    public Tensor pow(double exponent) { return binary(new Binary.Pow(), exponent, true); }

    /**
     * Elementwise power {@code this ^ exponent}, as {@code torch.pow}, with an integer exponent: the tensor keeps its
     * dtype (bool gives int64).
     *
     * @param exponent the exponent, a weak integer scalar
     * @return a new tensor of this shape
     */
    public Tensor pow(long exponent) { return binary(new Binary.Pow(), exponent, false); }

    /**
     * Elementwise larger of the two, NaN propagating, as {@code torch.maximum}, with broadcasting and PyTorch's type
     * promotion.
     *
     *
     * @param other the other operand; it broadcasts with this tensor
     * @return a new tensor of the broadcast shape and the promoted dtype
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor maximum(Tensor other) { return binary(new Binary.Maximum(), this, other); }

    /**
     * Elementwise smaller of the two, NaN propagating, as {@code torch.minimum}, with broadcasting and PyTorch's type
     * promotion.
     *
     *
     * @param other the other operand; it broadcasts with this tensor
     * @return a new tensor of the broadcast shape and the promoted dtype
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor minimum(Tensor other) { return binary(new Binary.Minimum(), this, other); }

    private Tensor unary(Unary op) {
        Tensor in = op.floatingOnly() && !dtype().isFloating() ? castTo(Kiln.defaultDtype()) : this;
        return compute(op, in);
    }

    /**
     * Elementwise {@code -this}, as {@code torch.neg}. The dtype is kept; bool tensors are refused.
     *
     * @return a new tensor of this shape and dtype
     * @throws KilnException for a bool tensor
     */
    public Tensor neg() { return unary(new Unary.Neg()); }

    /**
     * Elementwise absolute value, as {@code torch.abs}. The dtype is kept; bool tensors are refused.
     *
     * @return a new tensor of this shape and dtype
     * @throws KilnException for a bool tensor
     */
    public Tensor abs() { return unary(new Unary.Abs()); }

    /**
     * Elementwise e^x, as {@code torch.exp}. Integer and bool tensors are converted to the default floating dtype
     * first.
     *
     * @return a new floating tensor of this shape
     */
    public Tensor exp() { return unary(new Unary.Exp()); }

    /**
     * Elementwise natural logarithm, as {@code torch.log} (NaN below 0, -inf at 0). Integer and bool tensors are
     * converted to the default floating dtype first.
     *
     * @return a new floating tensor of this shape
     */
    public Tensor log() { return unary(new Unary.Log()); }

    /**
     * Elementwise sine (radians), as {@code torch.sin}. Integer and bool tensors are converted to the default floating
     * dtype first.
     *
     * @return a new floating tensor of this shape
     */
    public Tensor sin() { return unary(new Unary.Sin()); }

    /**
     * Elementwise cosine (radians), as {@code torch.cos}. Integer and bool tensors are converted to the default
     * floating dtype first.
     *
     * @return a new floating tensor of this shape
     */
    public Tensor cos() { return unary(new Unary.Cos()); }

    /**
     * Elementwise square root, as {@code torch.sqrt} (NaN below 0). Integer and bool tensors are converted to the
     * default floating dtype first.
     *
     * @return a new floating tensor of this shape
     */
    public Tensor sqrt() { return unary(new Unary.Sqrt()); }

    /**
     * Elementwise hyperbolic tangent, as {@code torch.tanh}. Integer and bool tensors are converted to the default
     * floating dtype first.
     *
     * @return a new floating tensor of this shape
     */
    public Tensor tanh() { return unary(new Unary.Tanh()); }

    /**
     * Elementwise {@code 1 / (1 + exp(-x))}, as {@code torch.sigmoid}, computed without overflow (the gradient is
     * finite everywhere, 0 at ±∞); NaN stays NaN.
     *
     * @return a new tensor of this shape
     */
    public Tensor sigmoid() { return Composites.sigmoid(this); }

    /**
     * {@code where(x <= 0, 0, x)}, as PyTorch's {@code relu}: NaN stays NaN and passes its gradient, the gradient at 0
     * is 0. (Written {@code where(x > 0, x, 0)} it would turn NaN into 0 and hide it.)
     *
     * @return a new tensor of this shape and dtype
     */
    public Tensor relu() { return where(le(0.0), zerosLikeScalar(), this); }

    private Tensor zerosLikeScalar() {
        return literal(0, dtype()).on(device());
    }

    private Tensor compare(Compare op, Tensor other) {
        return binary(op, this, other);
    }

    /**
     * Elementwise {@code this < o}, as {@code torch.lt}, with broadcasting (compared in the promoted dtype).
     *
     * @param o the other operand; it broadcasts with this tensor
     * @return a new bool tensor of the broadcast shape
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor lt(Tensor o) { return compare(new Compare.Lt(), o); }

    /**
     * Elementwise {@code this <= o}, as {@code torch.le}, with broadcasting (compared in the promoted dtype).
     *
     * @param o the other operand; it broadcasts with this tensor
     * @return a new bool tensor of the broadcast shape
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor le(Tensor o) { return compare(new Compare.Le(), o); }

    /**
     * Elementwise {@code this > o}, as {@code torch.gt}, with broadcasting (compared in the promoted dtype).
     *
     * @param o the other operand; it broadcasts with this tensor
     * @return a new bool tensor of the broadcast shape
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor gt(Tensor o) { return compare(new Compare.Gt(), o); }

    /**
     * Elementwise {@code this >= o}, as {@code torch.ge}, with broadcasting (compared in the promoted dtype).
     *
     * @param o the other operand; it broadcasts with this tensor
     * @return a new bool tensor of the broadcast shape
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor ge(Tensor o) { return compare(new Compare.Ge(), o); }

    /**
     * Elementwise {@code this == o}, as {@code torch.eq}, with broadcasting (compared in the promoted dtype).
     *
     * @param o the other operand; it broadcasts with this tensor
     * @return a new bool tensor of the broadcast shape
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor eq(Tensor o) { return compare(new Compare.Eq(), o); }

    /**
     * Elementwise {@code this != o}, as {@code torch.ne}, with broadcasting (compared in the promoted dtype).
     *
     * @param o the other operand; it broadcasts with this tensor
     * @return a new bool tensor of the broadcast shape
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor ne(Tensor o) { return compare(new Compare.Ne(), o); }

    /**
     * Elementwise {@code this < s}, as {@code torch.lt} with a Java number.
     *
     * @param s the number to compare with
     * @return a new bool tensor of this shape
     */
    public Tensor lt(double s) { return binary(new Compare.Lt(), s, true); }

    /**
     * Elementwise {@code this <= s}, as {@code torch.le} with a Java number.
     *
     * @param s the number to compare with
     * @return a new bool tensor of this shape
     */
    public Tensor le(double s) { return binary(new Compare.Le(), s, true); }

    /**
     * Elementwise {@code this > s}, as {@code torch.gt} with a Java number.
     *
     * @param s the number to compare with
     * @return a new bool tensor of this shape
     */
    public Tensor gt(double s) { return binary(new Compare.Gt(), s, true); }

    /**
     * Elementwise {@code this >= s}, as {@code torch.ge} with a Java number.
     *
     * @param s the number to compare with
     * @return a new bool tensor of this shape
     */
    public Tensor ge(double s) { return binary(new Compare.Ge(), s, true); }

    /**
     * Elementwise {@code this == s}, as {@code torch.eq} with a Java number.
     *
     * @param s the number to compare with
     * @return a new bool tensor of this shape
     */
    public Tensor eq(double s) { return binary(new Compare.Eq(), s, true); }

    /**
     * Elementwise {@code this != s}, as {@code torch.ne} with a Java number.
     *
     * @param s the number to compare with
     * @return a new bool tensor of this shape
     */
    public Tensor ne(double s) { return binary(new Compare.Ne(), s, true); }

    /**
     * {@code cond ? a : b} elementwise, broadcasting all three, as {@code torch.where}; the gradient flows to {@code a}
     * where {@code cond} holds and to {@code b} elsewhere.
     *
     * @param cond the condition; converted to bool (non-zero is true)
     * @param a values where {@code cond} is true
     * @param b values where it is false
     * @return a new tensor of the broadcast shape and {@code a} and {@code b}'s promoted dtype
     * @throws KilnException if the shapes do not broadcast
     */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) { return Lowering.where(cond, a, b); }

    /**
     * This tensor converted to {@code dtype} (itself if it already is), as {@code tensor.to(dtype)}; recorded by
     * autograd.
     *
     * @param dtype the element type wanted
     * @return a new tensor of {@code dtype}, or this tensor
     */
    public Tensor to(DType dtype) { return castTo(dtype); }

    // ------------------------------------------------------------------ reductions

    /**
     * Sum of all elements, as {@code tensor.sum()}.
     *
     * @return a new 0-d tensor of this dtype if floating, else int64
     */
    public Tensor sum() { return compute(new Reduce.Sum(Axes.all(dim()), false), this); }

    /**
     * Sum over one dimension, which is removed, as {@code tensor.sum(axis)}.
     *
     * @param axis the dimension, negative counts from the end
     * @return a new tensor without that dimension, of this dtype if floating, else int64
     * @throws KilnException if the axis is out of range
     */
    public Tensor sum(int axis) { return sum(new int[] {axis}, false); }

    /**
     * Sum over one dimension, as {@code tensor.sum(dim, keepdim)}.
     *
     * @param axis the dimension, negative counts from the end
     * @param keepDim keep the dimension as size 1 instead of removing it
     * @return a new tensor of this dtype if floating, else int64
     * @throws KilnException if the axis is out of range
     */
    public Tensor sum(int axis, boolean keepDim) { return sum(new int[] {axis}, keepDim); }

    /**
     * Sum over several dimensions at once, as {@code tensor.sum(dims, keepdim)}.
     *
     * @param axes the dimensions, each once; negative count from the end; empty means all
     * @param keepDim keep the dimensions as size 1 instead of removing them
     * @return a new tensor of this dtype if floating, else int64
     * @throws KilnException if an axis is out of range or repeated
     */
    public Tensor sum(int[] axes, boolean keepDim) { return compute(new Reduce.Sum(normalizeAxes(axes), keepDim), this); }

    /**
     * Mean of all elements, as {@code tensor.mean()} (floating tensors only, as in PyTorch).
     *
     * @return a new 0-d tensor of this dtype
     * @throws KilnException if the tensor is not floating
     */
    public Tensor mean() { return mean(Axes.all(dim()).toArray(), false); }

    /**
     * Mean over one dimension, which is removed, as {@code tensor.mean(dim)}.
     *
     * @param axis the dimension, negative counts from the end
     * @return a new tensor of this dtype without that dimension
     * @throws KilnException if the tensor is not floating, or the axis is out of range
     */
    public Tensor mean(int axis) { return mean(new int[] {axis}, false); }

    /**
     * Mean over one dimension, as {@code tensor.mean(dim, keepdim)}.
     *
     * @param axis the dimension, negative counts from the end
     * @param keepDim keep the dimension as size 1 instead of removing it
     * @return a new tensor of this dtype
     * @throws KilnException if the tensor is not floating, or the axis is out of range
     */
    public Tensor mean(int axis, boolean keepDim) { return mean(new int[] {axis}, keepDim); }

    /**
     * Mean over several dimensions at once, as {@code tensor.mean(dims, keepdim)}.
     *
     * @param axes the dimensions, each once; negative count from the end; empty means all
     * @param keepDim keep the dimensions as size 1 instead of removing them
     * @return a new tensor of this dtype
     * @throws KilnException if the tensor is not floating, or an axis is out of range or repeated
     */
    public Tensor mean(int[] axes, boolean keepDim) { return Lowering.mean(this, normalizeAxes(axes), keepDim); }

    /**
     * Maximum of all elements, as {@code tensor.max()}; NaN if any is NaN, and then its gradient goes evenly to the NaN
     * elements, as PyTorch's (else evenly to the elements equal to the maximum).
     *
     * @return a new 0-d tensor of this dtype
     * @throws KilnException if the tensor is empty
     */
    public Tensor max() { return dtype().isFloating() ? new ExtremeValue(true).apply(this) : amax(Axes.all(dim()).toArray(), false); }

    /**
     * Maximum over dimensions, as {@code torch.amax}; ties share the gradient equally; NaN propagates, and a NaN
     * result's gradient is NaN, as PyTorch's.
     *
     * @param axes the dimensions, each once; negative count from the end; empty means all
     * @param keepDim keep the dimensions as size 1 instead of removing them
     * @return a new tensor of this dtype
     * @throws KilnException if an axis is out of range or repeated, or a reduced dimension is empty
     */
    public Tensor amax(int[] axes, boolean keepDim) { return compute(new Reduce.Max(normalizeAxes(axes), keepDim), this); }

    /**
     * Maximum over one dimension, which is removed, as {@code torch.amax(x, dim)}; see {@link #amax(int[], boolean)}.
     *
     * @param axis the dimension, negative counts from the end
     * @return a new tensor of this dtype
     * @throws KilnException if the axis is out of range or the dimension empty
     */
    public Tensor amax(int axis) { return amax(new int[] {axis}, false); }

    /**
     * Maximum over one dimension, as {@code torch.amax(x, dim, keepdim)}; see {@link #amax(int[], boolean)}.
     *
     * @param axis the dimension, negative counts from the end
     * @param keepDim keep the dimension as size 1 instead of removing it
     * @return a new tensor of this dtype
     * @throws KilnException if the axis is out of range or the dimension empty
     */
    public Tensor amax(int axis, boolean keepDim) { return amax(new int[] {axis}, keepDim); }

    /**
     * Minimum of all elements, as {@code tensor.min()}; NaN and gradients as {@link #max()}.
     *
     * @return a new 0-d tensor of this dtype
     * @throws KilnException if the tensor is empty
     */
    public Tensor min() { return dtype().isFloating() ? new ExtremeValue(false).apply(this) : amin(Axes.all(dim()).toArray(), false); }

    /**
     * Minimum over dimensions, as {@code torch.amin}: {@code -amax(-x)}, so ties share the gradient equally.
     *
     * @param axes the dimensions, each once; negative count from the end; empty means all
     * @param keepDim keep the dimensions as size 1 instead of removing them
     * @return a new tensor of this dtype
     * @throws KilnException if an axis is out of range or repeated, a reduced dimension is empty, or the tensor is bool
     */
    public Tensor amin(int[] axes, boolean keepDim) { return neg().amax(axes, keepDim).neg(); }

    /**
     * Minimum over one dimension, which is removed, as {@code torch.amin(x, dim)}; see {@link #amin(int[], boolean)}.
     *
     * @param axis the dimension, negative counts from the end
     * @return a new tensor of this dtype
     * @throws KilnException if the axis is out of range or the dimension empty
     */
    public Tensor amin(int axis) { return amin(new int[] {axis}, false); }

    /**
     * Minimum over one dimension, as {@code torch.amin(x, dim, keepdim)}; see {@link #amin(int[], boolean)}.
     *
     * @param axis the dimension, negative counts from the end
     * @param keepDim keep the dimension as size 1 instead of removing it
     * @return a new tensor of this dtype
     * @throws KilnException if the axis is out of range or the dimension empty
     */
    public Tensor amin(int axis, boolean keepDim) { return amin(new int[] {axis}, keepDim); }

    private Axes normalizeAxes(int[] axes) {
        return Lowering.axes(shape(), axes);
    }

    // ------------------------------------------------------------------ composites (Composites: PyTorch's definitions)

    /**
     * Softmax along {@code dim}, as {@code torch.softmax}: {@code exp(x - max) / sum(exp(x - max))}, stable (the
     * detached maximum is subtracted first).
     *
     * @param dim the dimension that sums to 1, negative counts from the end
     * @return a new tensor of this shape
     * @throws KilnException if {@code dim} is out of range
     */
    public Tensor softmax(int dim) { return Composites.softmax(this, dim); }

    /**
     * Log of the softmax along {@code dim}, as {@code torch.log_softmax}: {@code (x - max) - log(sum(exp(x - max)))},
     * stable.
     *
     * @param dim the dimension, negative counts from the end
     * @return a new tensor of this shape
     * @throws KilnException if {@code dim} is out of range
     */
    public Tensor logSoftmax(int dim) { return Composites.logSoftmax(this, dim); }

    /**
     * {@code log(sum(exp(x)))} along {@code dim}, as {@code torch.logsumexp}, shifted by the (finite) maximum so it
     * does not overflow.
     *
     * @param dim the dimension, negative counts from the end
     * @param keepDim keep the dimension as size 1 instead of removing it
     * @return a new tensor
     * @throws KilnException if {@code dim} is out of range
     */
    public Tensor logsumexp(int dim, boolean keepDim) { return Composites.logsumexp(this, dim, keepDim); }

    /**
     * Index of the first maximum along {@code dim}, as {@code torch.argmax}; NaN counts as the maximum. Not
     * differentiable: the result does not require grad.
     *
     * @param dim the dimension, negative counts from the end
     * @param keepDim keep the dimension as size 1 instead of removing it
     * @return a new int64 tensor of indices into {@code dim}
     * @throws KilnException if {@code dim} is out of range or empty
     */
    public Tensor argmax(int dim, boolean keepDim) { return Composites.argExtreme(this, dim, keepDim, true); }

    /**
     * Index of the first maximum of the flattened tensor, as {@code torch.argmax(x)}.
     *
     * @return a new 0-d int64 tensor
     * @throws KilnException if the tensor is empty
     */
    public Tensor argmax() { return flatten().argmax(0, false); }

    /**
     * Index of the first minimum along {@code dim}, as {@code torch.argmin}; NaN counts as the minimum. The result does
     * not require grad.
     *
     * @param dim the dimension, negative counts from the end
     * @param keepDim keep the dimension as size 1 instead of removing it
     * @return a new int64 tensor of indices into {@code dim}
     * @throws KilnException if {@code dim} is out of range or empty
     */
    public Tensor argmin(int dim, boolean keepDim) { return Composites.argExtreme(this, dim, keepDim, false); }

    /**
     * Index of the first minimum of the flattened tensor, as {@code torch.argmin(x)}.
     *
     * @return a new 0-d int64 tensor
     * @throws KilnException if the tensor is empty
     */
    public Tensor argmin() { return flatten().argmin(0, false); }

    /**
     * Values limited to [min, max], as {@code torch.clamp}: {@code min(max(x, min), max)}, so min &gt; max gives max;
     * NaN stays NaN. The gradient passes where min ≤ x ≤ max, as PyTorch's.
     *
     * @param min the lower bound, or NaN for none
     * @param max the upper bound, or NaN for none
     * @return a new tensor of this shape and dtype (this tensor itself when both bounds are NaN)
     */
    public Tensor clamp(double min, double max) { return Composites.clamp(this, min, max); }

    /**
     * Values limited below, as {@code torch.clamp(x, min=min)}; see {@link #clamp}.
     *
     * @param min the lower bound
     * @return a new tensor of this shape and dtype
     */
    public Tensor clampMin(double min) { return Composites.clamp(this, min, Double.NaN); }

    /**
     * Values limited above, as {@code torch.clamp(x, max=max)}; see {@link #clamp}.
     *
     * @param max the upper bound
     * @return a new tensor of this shape and dtype
     */
    public Tensor clampMax(double max) { return Composites.clamp(this, Double.NaN, max); }

    /**
     * Elementwise and of truth values (non-zero is true), as {@code torch.logical_and}, with broadcasting.
     *
     * @param other the other operand; it broadcasts with this tensor
     * @return a new bool tensor of the broadcast shape
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor logicalAnd(Tensor other) { return Composites.logical(this, other, true); }

    /**
     * Elementwise or of truth values (non-zero is true), as {@code torch.logical_or}, with broadcasting.
     *
     * @param other the other operand; it broadcasts with this tensor
     * @return a new bool tensor of the broadcast shape
     * @throws KilnException if the shapes do not broadcast
     */
    public Tensor logicalOr(Tensor other) { return Composites.logical(this, other, false); }

    /**
     * Elementwise not of truth values (zero is false), as {@code torch.logical_not}.
     *
     * @return a new bool tensor of this shape, true where this tensor is zero
     */
    public Tensor logicalNot() { return eq(0); }

    /**
     * {@code value} where the bool {@code mask} is true, this tensor's values elsewhere, as {@code tensor.masked_fill}
     * (not in place); no gradient flows to the filled places.
     *
     * @param mask a bool tensor that broadcasts with this tensor
     * @param value the fill value, converted to this dtype
     * @return a new tensor of the broadcast shape and this dtype
     * @throws KilnException if {@code mask} is not bool or the shapes do not broadcast
     */
    public Tensor maskedFill(Tensor mask, double value) { return Composites.maskedFill(this, mask, value); }

    /**
     * Variance over {@code dim}, as {@code torch.var(x, dim, unbiased, keepdim)}: the summed squared deviations divided
     * by {@code n - 1} when {@code unbiased} (Bessel's correction), else by {@code n}.
     *
     * @param dim the dimension, negative counts from the end
     * @param keepDim keep the dimension as size 1 instead of removing it
     * @param unbiased divide by {@code n - 1} rather than {@code n}
     * @return a new tensor of this dtype
     * @throws KilnException if the tensor is not floating, or a dimension is out of range or repeated
     */
    public Tensor var(int dim, boolean keepDim, boolean unbiased) { return var(new int[] {dim}, keepDim, unbiased); }

    /**
     * Variance over several dims at once, as {@code x.var(dims, unbiased, keepdim)}.
     *
     * @param dims the dimensions, each once; negative count from the end; empty means all
     * @param keepDim keep the dimensions as size 1 instead of removing them
     * @param unbiased divide by {@code n - 1} rather than {@code n}
     * @return a new tensor of this dtype
     * @throws KilnException if the tensor is not floating, or a dimension is out of range or repeated
     */
    public Tensor var(int[] dims, boolean keepDim, boolean unbiased) { return Composites.var(this, dims, keepDim, unbiased ? 1 : 0); }

    /**
     * Variance over {@code dims} divided by max(0, n − correction), as PyTorch 2's {@code x.var(dims, correction=c)}.
     *
     * @param dims the dimensions, each once; negative count from the end; empty means all
     * @param keepDim keep the dimensions as size 1 instead of removing them
     * @param correction subtracted from the element count {@code n}: 1 is Bessel's correction, 0 the biased form
     * @return a new tensor of this dtype
     * @throws KilnException if the tensor is not floating, or a dimension is out of range or repeated
     */
    public Tensor var(int[] dims, boolean keepDim, double correction) { return Composites.var(this, dims, keepDim, correction); }

    /**
     * Unbiased variance of all elements, as {@code tensor.var()}.
     *
     * @return a new 0-d tensor of this dtype
     * @throws KilnException if the tensor is not floating
     */
    public Tensor var() { return var(new int[0], false, true); }

    /**
     * Standard deviation over {@code dim}, as {@code torch.std(x, dim, unbiased, keepdim)}: the square root of
     * {@link #var(int, boolean, boolean)}.
     *
     * @param dim the dimension, negative counts from the end
     * @param keepDim keep the dimension as size 1 instead of removing it
     * @param unbiased divide by {@code n - 1} rather than {@code n}
     * @return a new tensor of this dtype
     * @throws KilnException if the tensor is not floating, or a dimension is out of range or repeated
     */
    public Tensor std(int dim, boolean keepDim, boolean unbiased) { return var(dim, keepDim, unbiased).sqrt(); }

    /**
     * Standard deviation over several dims at once: the square root of {@link #var(int[], boolean, boolean)}.
     *
     * @param dims the dimensions, each once; negative count from the end; empty means all
     * @param keepDim keep the dimensions as size 1 instead of removing them
     * @param unbiased divide by {@code n - 1} rather than {@code n}
     * @return a new tensor of this dtype
     * @throws KilnException if the tensor is not floating, or a dimension is out of range or repeated
     */
    public Tensor std(int[] dims, boolean keepDim, boolean unbiased) { return var(dims, keepDim, unbiased).sqrt(); }

    /**
     * Standard deviation with a correction, as PyTorch 2's {@code x.std(dims, correction=c)}: the square root of
     * {@link #var(int[], boolean, double)}.
     *
     * @param dims the dimensions, each once; negative count from the end; empty means all
     * @param keepDim keep the dimensions as size 1 instead of removing them
     * @param correction subtracted from the element count {@code n}
     * @return a new tensor of this dtype
     * @throws KilnException if the tensor is not floating, or a dimension is out of range or repeated
     */
    public Tensor std(int[] dims, boolean keepDim, double correction) { return var(dims, keepDim, correction).sqrt(); }

    /**
     * Unbiased standard deviation of all elements, as {@code tensor.std()}.
     *
     * @return a new 0-d tensor of this dtype
     * @throws KilnException if the tensor is not floating
     */
    public Tensor std() { return var().sqrt(); }

    /**
     * Elementwise log(1 + x), accurate near 0, as {@code torch.log1p}. Integer and bool tensors are converted to the
     * default floating dtype first.
     *
     * @return a new floating tensor of this shape
     */
    public Tensor log1p() { return unary(new Unary.Log1p()); }

    /**
     * Elementwise exp(x) − 1, accurate near 0, as {@code torch.expm1}. Integer and bool tensors are converted to the
     * default floating dtype first.
     *
     * @return a new floating tensor of this shape
     */
    public Tensor expm1() { return unary(new Unary.Expm1()); }

    /**
     * Elementwise error function, as {@code torch.erf}, to about 1e-16 relative (Java has no {@code Math.erf}). Integer
     * and bool tensors are converted to the default floating dtype first.
     *
     * @return a new floating tensor of this shape
     */
    public Tensor erf() { return unary(new Unary.Erf()); }

    /**
     * Values along {@code dim} at {@code index}, as {@code torch.gather}: {@code out[i][j] = this[index[i][j]][j]} for
     * {@code dim} 0; differentiable in this tensor.
     *
     * @param dim the dimension indexed, negative counts from the end
     * @param index int64 (or int32) indices, of this tensor's rank and no larger off {@code dim}
     * @return a new tensor of the index's shape and this dtype
     * @throws KilnException if the index is not an integer tensor or its shape does not fit
     */
    public Tensor gather(int dim, Tensor index) { return Composites.gather(this, dim, index); }

    /**
     * {@link #gather} after broadcasting index and input against each other off {@code dim}, as
     * {@code torch.take_along_dim}.
     *
     * @param index int64 (or int32) indices, of this tensor's rank
     * @param dim the dimension indexed, negative counts from the end
     * @return a new tensor of this dtype
     * @throws KilnException if the index is not an integer tensor, of another rank, or does not broadcast
     */
    public Tensor takeAlongDim(Tensor index, int dim) { return Composites.takeAlongDim(this, index, dim); }

    /**
     * Whole slices along {@code dim} at a 1-D index, as {@code torch.index_select}; differentiable in this tensor.
     *
     * @param dim the dimension indexed, negative counts from the end
     * @param index 1-D int64 (or int32) indices
     * @return a new tensor of this shape with {@code dim} of the index's length
     * @throws KilnException if the index is not a 1-D integer tensor
     */
    public Tensor indexSelect(int dim, Tensor index) { return Composites.indexSelect(this, dim, index); }

    /**
     * This tensor plus {@code src} added at {@code index} along {@code dim}, as {@code tensor.scatter_add} (not in
     * place): {@link #gather}'s gradient. Differentiable in this tensor and {@code src}.
     *
     * @param dim the dimension indexed, negative counts from the end
     * @param index int64 (or int32) indices, of {@code src}'s shape and this tensor's rank
     * @param src the values to add
     * @return a new tensor of this shape
     * @throws KilnException if the index is not an integer tensor, or index and {@code src} differ in shape or rank
     */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) { return Composites.scatterAdd(this, dim, index, src); }

    /**
     * Tensors joined along {@code dim}, as {@code torch.cat}; their other sizes must match. Differentiable in each.
     *
     * @param tensors the tensors, at least one, all of one rank
     * @param dim the dimension to join along, negative counts from the end
     * @return a new tensor whose {@code dim} is the sum of theirs (a copy even of a single tensor)
     * @throws KilnException if the list is empty, or the ranks or the other sizes differ
     */
    public static Tensor cat(List<Tensor> tensors, int dim) { return Composites.cat(tensors, dim); }

    /**
     * Tensors of one shape stacked along a new {@code dim}, as {@code torch.stack}.
     *
     * @param tensors the tensors, at least one, all of one shape
     * @param dim where the new dimension goes, in {@code [-rank-1, rank]}
     * @return a new tensor of one more dimension, of size {@code tensors.size()}
     * @throws KilnException if the list is empty or the shapes differ
     */
    public static Tensor stack(List<Tensor> tensors, int dim) { return Composites.stack(tensors, dim); }

    /**
     * Views of {@code size} along {@code dim} (the last may be smaller), as {@code torch.split}.
     *
     * @param size each part's size along {@code dim}, at least 1
     * @param dim the dimension split, negative counts from the end
     * @return the parts in order, views of this tensor
     * @throws KilnException if {@code size} is not positive or {@code dim} is out of range
     */
    public List<Tensor> split(int size, int dim) { return Composites.split(this, size, dim); }

    /**
     * Views splitting {@code dim} into {@code chunks} parts of {@code ceil(n / chunks)} (the last may be smaller, and
     * there may be fewer parts), as {@code torch.chunk}.
     *
     * @param chunks how many parts wanted, at least 1
     * @param dim the dimension split, negative counts from the end
     * @return the parts in order, views of this tensor
     * @throws KilnException if {@code chunks} is not positive or {@code dim} is out of range
     */
    public List<Tensor> chunk(int chunks, int dim) { return Composites.chunk(this, chunks, dim); }

    // ------------------------------------------------------------------ movement (views where possible)

    /**
     * The same elements in another shape, as {@code tensor.reshape}; one dimension may be -1, inferred. A view when the
     * layout allows, else a copy.
     *
     * @param dims the new sizes, whose product is this tensor's element count
     * @return a tensor of the new shape
     * @throws KilnException if the sizes do not fit the element count or more than one is -1
     */
    public Tensor reshape(int... dims) { return move(new Movement.Reshape(Lowering.inferShape(shape(), dims)), this); }

    /**
     * Like {@link #reshape} but fails rather than copy, as PyTorch's {@code view}; this tensor must be contiguous
     * (PyTorch also allows some non-contiguous ones).
     *
     * @param dims the new sizes; one may be -1
     * @return a view of the new shape
     * @throws KilnException if this tensor is not contiguous or the sizes do not fit
     */
    public Tensor view(int... dims) { return Lowering.view(this, dims); }

    /**
     * Broadcasts size-1 dimensions (and new leading ones) to {@code dims}, as {@code tensor.expand}; -1 keeps a size. A
     * view with stride 0 along the expanded dimensions.
     *
     * @param dims the new sizes, at least as many as this tensor has
     * @return the expanded view
     * @throws KilnException if the new shape has fewer dimensions, or a dimension of size other than 1 would change
     */
    public Tensor expand(int... dims) { return move(new Movement.Expand(Lowering.expandShape(shape(), dims)), this); }

    /**
     * Broadcasts size-1 dimensions (and new leading ones) to {@code shape}, as {@code tensor.expand}; a view.
     *
     * @param shape the new shape
     * @return the expanded view, or this tensor if the shape is its own
     * @throws KilnException if the new shape has fewer dimensions, or a dimension of size other than 1 would change
     */
    public Tensor expand(Shape shape) { return expandTo(shape); }

    /**
     * Reorders dimensions, as {@code tensor.permute}; a view.
     *
     * @param order the old dimension for each new one; negative count from the end
     * @return the permuted view
     * @throws KilnException if {@code order} is not a permutation of the dimensions
     */
    public Tensor permute(int... order) { return move(new Movement.Permute(Lowering.order(dim(), order)), this); }

    /**
     * Swaps two dimensions, as {@code tensor.transpose}; a view.
     *
     * @param a one dimension, negative counts from the end
     * @param b the other
     * @return the transposed view
     * @throws KilnException if a dimension is out of range
     */
    public Tensor transpose(int a, int b) { return permute(Lowering.swapped(shape(), a, b)); }

    /**
     * Transpose of a matrix, as {@code tensor.t()} (a 0-d or 1-D tensor is returned as it is); a view.
     *
     * @return the transposed view, or this tensor
     * @throws KilnException if the tensor has more than 2 dimensions
     */
    public Tensor t() {
        if (dim() > 2) {
            throw new KilnException("t() expects a tensor with <= 2 dimensions, got " + shape() + "; use transpose(a, b)");
        }
        return dim() < 2 ? this : transpose(0, 1);
    }

    /**
     * Inserts a size-1 dimension, as {@code tensor.unsqueeze}; a view.
     *
     * @param axis where the new dimension goes, in {@code [-dim()-1, dim()]}
     * @return a tensor of one more dimension
     * @throws KilnException if the axis is out of range
     */
    public Tensor unsqueeze(int axis) { return reshape(Lowering.unsqueezed(shape(), axis)); }

    /**
     * Removes every size-1 dimension, as {@code tensor.squeeze()}; a view.
     *
     * @return a tensor without size-1 dimensions
     */
    public Tensor squeeze() { return reshape(Arrays.stream(shape().toArray()).filter(s -> s != 1).toArray()); }

    /**
     * Removes dimension {@code axis} if its size is 1 (else returns this tensor, as PyTorch), as
     * {@code tensor.squeeze(dim)}.
     *
     * @param axis the dimension, negative counts from the end
     * @return a view without that dimension, or this tensor
     * @throws KilnException if the axis is out of range
     */
    public Tensor squeeze(int axis) {
        int a = shape().normalizeAxis(axis);
        return size(a) != 1 ? this : reshape(Lowering.without(shape(), a));
    }

    /**
     * Flattens everything into one dimension, as {@code tensor.flatten()}; a view when the layout allows.
     *
     * @return a 1-D tensor ({@code [1]} for a 0-d tensor)
     */
    public Tensor flatten() { return flatten(0, -1); }

    /**
     * Flattens dimensions {@code start..end} (inclusive) into one, as {@code torch.flatten}; a view when the layout
     * allows.
     *
     * @param start the first dimension merged, negative counts from the end
     * @param end the last dimension merged, negative counts from the end
     * @return the flattened tensor ({@code [1]} for a 0-d tensor)
     * @throws KilnException if a dimension is out of range or {@code start} comes after {@code end}
     */
    public Tensor flatten(int start, int end) {
        return dim() == 0 ? reshape(1) : reshape(Lowering.flattened(shape(), start, end));
    }

    /**
     * Elements {@code start, start+step, ...} below {@code end} along {@code axis} (Python's
     * {@code t[start:end:step]}); a view. Negative {@code start} and {@code end} count from the end, and both are
     * clamped to the size, as Python does.
     *
     * @param axis the dimension sliced, negative counts from the end
     * @param start the first index
     * @param end the index to stop before
     * @param step the stride, at least 1
     * @return the sliced view
     * @throws KilnException if the axis is out of range or the step not positive
     */
    public Tensor slice(int axis, int start, int end, int step) {
        return move(Lowering.slice(shape(), axis, start, end, step), this);
    }

    /**
     * The slice at {@code index} along {@code axis}, without that dimension (Python's {@code t[:, i]},
     * {@code torch.select}); a view.
     *
     * @param axis the dimension, negative counts from the end
     * @param index the position along it, negative counts from the end
     * @return a view of one dimension fewer
     * @throws KilnException if the axis or index is out of range
     */
    public Tensor select(int axis, int index) {
        int a = shape().normalizeAxis(axis);
        return move(Lowering.select(shape(), axis, index), this).squeeze(a);
    }

    /**
     * The element or sub-tensor at leading indices, as {@code t[i, j]}; a view.
     *
     * @param indices one index per leading dimension, negative counts from the end
     * @return a view of {@code indices.length} dimensions fewer (0-d when every dimension is indexed)
     * @throws KilnException if an index is out of range or there are more indices than dimensions
     */
    public Tensor get(int... indices) { return Lowering.index(this, indices); }

    /**
     * A contiguous tensor with the same values, as {@code tensor.contiguous()} (this one if it already is contiguous).
     *
     * @return this tensor or a row-major copy
     */
    public Tensor contiguous() { return isContiguous() ? this : clone(); }

    /**
     * A copy with its own storage, as {@code tensor.clone()}; autograd flows through it.
     *
     * @return a new contiguous tensor of the same values, shape and dtype
     */
    @Override
    public Tensor clone() {
        // Through the backend, not Views: a reshape of a contiguous tensor would only be a view.
        return compute(new Movement.Reshape(shape()), this);
    }

    // ------------------------------------------------------------------ matmul

    /**
     * Matrix product with {@code torch.matmul}'s rules: 1-D operands (a vector's dimension is removed from the result),
     * 2-D, and batches, which broadcast. Both operands must have one dtype (matrix products do not promote).
     *
     * @param other the right operand: {@code (..., k)} or {@code (..., k, m)} against this {@code (..., n, k)} or
     *     {@code (k)}
     * @return a new tensor, {@code (..., n, m)} with the vector dimensions removed
     * @throws KilnException if an operand is 0-d, the dtypes differ, the inner sizes differ, or the batches do not
     *     broadcast
     */
    public Tensor matmul(Tensor other) { return Lowering.matmul(this, other); }

    // ------------------------------------------------------------------ in-place

    /**
     * {@code this += other}, with {@code other} broadcast to this shape. In place, as {@code tensor.add_}: recorded by
     * autograd when grad mode is on and either operand requires grad, but refused on a leaf that requires grad (update
     * it under {@link Kiln#noGrad()}) and on a view that would be recorded.
     *
     * @param other the operand; it broadcasts to this tensor's shape
     * @return this tensor
     * @throws KilnException if {@code other} does not broadcast to this shape, the result type (say, floating into an
     *     integer tensor) cannot be stored in this dtype, or the write is refused as above
     */
    public Tensor add_(Tensor other) { return inPlace(new Binary.Add(), other); }

    /**
     * {@code this += s}, with {@code s} first converted to this tensor's dtype (an integer tensor takes whole numbers only). In
     * place, as {@code tensor.add_}: recorded by autograd when grad mode is on and either operand requires grad, but
     * refused on a leaf that requires grad (update it under {@link Kiln#noGrad()}) and on a view that would be
     * recorded.
     *
     * @param s the operand
     * @return this tensor
     * @throws KilnException if this is an integer or bool tensor and {@code s} is not a whole number (the result
     *     would be floating, as PyTorch's "result type Float can't be cast"), or the write is refused as above
     */
    public Tensor add_(double s) { return inPlace(new Binary.Add(), InPlace.scalar("add_", this, s)); }

    /**
     * {@code this -= other}, with {@code other} broadcast to this shape. In place, as {@code tensor.sub_}: recorded by
     * autograd when grad mode is on and either operand requires grad, but refused on a leaf that requires grad (update
     * it under {@link Kiln#noGrad()}) and on a view that would be recorded.
     *
     * @param other the operand; it broadcasts to this tensor's shape
     * @return this tensor
     * @throws KilnException if {@code other} does not broadcast to this shape, the result type (say, floating into an
     *     integer tensor) cannot be stored in this dtype, or the write is refused as above
     */
    public Tensor sub_(Tensor other) { return inPlace(new Binary.Sub(), other); }

    /**
     * {@code this -= s}, with {@code s} first converted to this tensor's dtype (an integer tensor takes whole numbers only). In
     * place, as {@code tensor.sub_}: recorded by autograd when grad mode is on and either operand requires grad, but
     * refused on a leaf that requires grad (update it under {@link Kiln#noGrad()}) and on a view that would be
     * recorded.
     *
     * @param s the operand
     * @return this tensor
     * @throws KilnException if this is an integer or bool tensor and {@code s} is not a whole number (the result
     *     would be floating, as PyTorch's "result type Float can't be cast"), or the write is refused as above
     */
    public Tensor sub_(double s) { return inPlace(new Binary.Sub(), InPlace.scalar("sub_", this, s)); }

    /**
     * {@code this *= other}, with {@code other} broadcast to this shape. In place, as {@code tensor.mul_}: recorded by
     * autograd when grad mode is on and either operand requires grad, but refused on a leaf that requires grad (update
     * it under {@link Kiln#noGrad()}) and on a view that would be recorded.
     *
     * @param other the operand; it broadcasts to this tensor's shape
     * @return this tensor
     * @throws KilnException if {@code other} does not broadcast to this shape, the result type (say, floating into an
     *     integer tensor) cannot be stored in this dtype, or the write is refused as above
     */
    public Tensor mul_(Tensor other) { return inPlace(new Binary.Mul(), other); }

    /**
     * {@code this *= s}, with {@code s} first converted to this tensor's dtype (an integer tensor takes whole numbers only). In
     * place, as {@code tensor.mul_}: recorded by autograd when grad mode is on and either operand requires grad, but
     * refused on a leaf that requires grad (update it under {@link Kiln#noGrad()}) and on a view that would be
     * recorded.
     *
     * @param s the operand
     * @return this tensor
     * @throws KilnException if this is an integer or bool tensor and {@code s} is not a whole number (the result
     *     would be floating, as PyTorch's "result type Float can't be cast"), or the write is refused as above
     */
    public Tensor mul_(double s) { return inPlace(new Binary.Mul(), InPlace.scalar("mul_", this, s)); }

    /**
     * {@code this /= other}, with {@code other} broadcast to this shape. In place, as {@code tensor.div_}: recorded by
     * autograd when grad mode is on and either operand requires grad, but refused on a leaf that requires grad (update
     * it under {@link Kiln#noGrad()}) and on a view that would be recorded.
     *
     * @param other the operand; it broadcasts to this tensor's shape
     * @return this tensor
     * @throws KilnException if {@code other} does not broadcast to this shape, the result type (say, floating into an
     *     integer tensor) cannot be stored in this dtype, or the write is refused as above
     */
    public Tensor div_(Tensor other) { return inPlace(new Binary.Div(), other); }

    /**
     * {@code this /= s}, with {@code s} first converted to this tensor's dtype (a floating one). In place, as {@code tensor.div_}: recorded by autograd when grad mode is on and either operand requires grad, but
     * refused on a leaf that requires grad (update it under {@link Kiln#noGrad()}) and on a view that would be
     * recorded.
     *
     * @param s the operand
     * @return this tensor
     * @throws KilnException if this is an integer or bool tensor (true division gives a floating result), or the write
     *     is refused as above
     */
    public Tensor div_(double s) { return inPlace(new Binary.Div(), InPlace.scalar("div_", this, s)); }

    /**
     * Copies {@code src}, broadcast to this shape and converted to this dtype, into this tensor, as
     * {@code tensor.copy_}; it may come from another device. In place, as {@code tensor.copy_}: recorded by autograd
     * when grad mode is on and either operand requires grad, but refused on a leaf that requires grad (update it under
     * {@link Kiln#noGrad()}) and on a view that would be recorded.
     *
     * @param src the values; they broadcast to this shape, and may not be of a higher category (floating into an
     *     integer tensor)
     * @return this tensor
     * @throws KilnException if {@code src} does not broadcast to this shape, is of a higher category than this dtype,
     *     or the write is refused as above
     */
    public Tensor copy_(Tensor src) { return inPlace(null, src); }

    /**
     * Sets every element to {@code value} (converted to this dtype), in place, as {@code tensor.fill_}: recorded by
     * autograd when grad mode is on and this tensor requires grad, but refused on a leaf that requires grad (update it
     * under {@link Kiln#noGrad()}) and on a view that would be recorded.
     *
     * @param value the value
     * @return this tensor
     * @throws KilnException if the write is refused as above
     */
    public Tensor fill_(double value) { return inPlace(null, scalar(value, dtype()).on(device())); }

    /**
     * Sets every element to 0, as {@code tensor.zero_()}; as {@link #fill_(double)}.
     *
     * @return this tensor
     * @throws KilnException if the write is refused, as for {@link #fill_(double)}
     */
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

    /** This tensor's place in its trace, null for a concrete tensor. */
    TraceState traceState() {
        return symbol;
    }
}
