package dev.kiln;

import dev.kiln.ir.Node;
import dev.kiln.ir.Op;
import dev.kiln.spi.Layout;
import java.util.ArrayDeque;

/**
 * In-place ops ({@code add_}, {@code sub_}, {@code copy_}, ...). The new value is computed and
 * checked in full before anything is written, so a failing in-place op changes nothing. While
 * tracing, the write is functionalized instead: the tensor reads as the new value from then on.
 */
final class InPlace {
    private InPlace() {
    }

    /**
     * The scalar operand of {@code add_(double)} and the like, of the target's dtype. A Java number cannot say whether
     * it is PyTorch's int or float, so a whole number counts as an int; a fractional one would make an integer
     * target's result floating, which PyTorch refuses rather than truncate the scalar.
     */
    static Tensor scalar(String what, Tensor target, double s) {
        if (!target.dtype().isFloating() && !(Double.isFinite(s) && s == Math.rint(s))) {
            throw new KilnException(what + ": the scalar " + s + " is not a whole number, so the result would be floating, which"
                    + " cannot be stored in this " + target.dtype() + " tensor; convert the tensor to a floating dtype first");
        }
        return Tensor.scalar(s, target.dtype()).to(target.device());
    }

    /**
     * The tensor that symbolic {@code t} views as eager code would run the movements that made it:
     * a concrete tensor the trace reads, or a value it computed (a fresh, contiguous tensor in eager
     * code); null when the last movement is one eager code runs as a copy, or there is none. Worked
     * out only here, at an in-place write, so tracing a movement costs two field stores.
     */
    private static Tensor viewedBase(Tensor t) {
        ArrayDeque<Tensor> chain = new ArrayDeque<>();
        Tensor at = t;
        while (at.isSymbolic() && at.traceState().movedBy != null) {
            chain.push(at);
            at = at.traceState().movedFrom;
        }
        Tensor base = at;
        Layout layout = at.isSymbolic() ? Layout.contiguous(at.shape()) : at.data().layout();
        for (Tensor step : chain) {
            layout = layout.view(step.traceState().movedBy, step.shape());
            if (layout == null) { // eager code copies here: the copy is a fresh tensor
                base = step;
                layout = Layout.contiguous(step.shape());
            }
        }
        return base == t ? null : base;
    }

    /** {@code target = op(target, other)}, or {@code target = other} when {@code op} is null. */
    static Tensor apply(Tensor target, Op op, Tensor other) {
        String what = op == null ? "copy_" : op.name() + "_";
        Trace trace = Dispatch.traceOf(target, other);
        boolean recording = trace == null && Kiln.isGradEnabled() && (target.requiresGrad() || other.requiresGrad());
        boolean leafGuard = trace == null ? recording : Kiln.isGradEnabled() && !target.isSymbolic();
        if (leafGuard && target.requiresGrad() && target.isLeaf()) {
            throw new KilnException(what + ": a leaf tensor that requires grad cannot be changed in place while"
                    + " grad mode is on; do the update inside try (var g = Kiln.noGrad()) { ... }");
        }
        if (target.isView() && (trace == null ? recording : !target.isSymbolic())) {
            throw new KilnException(what + (trace == null
                    ? ": in-place ops on views are not recorded by autograd; use the out-of-place op"
                    : ": in-place writes into a view of a concrete tensor are not supported in compiled code yet;"
                            + " write to the whole tensor"));
        }
        // copy_ crosses devices, as PyTorch's does; an op's operand may be a 0-d CPU scalar
        if (trace == null && op != null) {
            Dispatch.commonDevice(op, target, other);
        }
        Shape s = Shape.broadcast(target.shape(), other.shape());
        if (s == null || !s.equals(target.shape())) {
            throw new KilnException(what + ": the value of shape " + other.shape()
                    + " does not broadcast to this tensor's shape " + target.shape());
        }
        Tensor before = recording ? target.aliasWithHistory() : target;
        Tensor value = op == null ? other : Tensor.binary(op, before, other);
        if (value.dtype() != target.dtype() && value.dtype().category() > target.dtype().category()) {
            throw new KilnException(what + ": the result type " + value.dtype() + " cannot be stored in this "
                    + target.dtype() + " tensor");
        }
        value = value.castTo(target.dtype()).expandTo(target.shape());
        if (trace != null) {
            Node v = trace.nodeOf(value);
            if (target.isSymbolic()) {
                Tensor viewed = viewedBase(target);
                if (viewed != null) {
                    throw new KilnException(what + ": this tensor is a view of a " + viewed.dtype() + viewed.shape() + " tensor "
                            + (viewed.isSymbolic() ? "computed in" : "read by") + " the compiled function, and in compiled code"
                            + " a write through a view does not reach the tensor it views yet; write to that tensor itself"
                            + " (a whole-tensor op, or masked with where), or make this update outside the compiled function");
                }
                target.rebind(v);
            } else {
                trace.write(target, v);
            }
            return target;
        }
        Backends.copy(value.data(), target.data());
        target.data().storage().bumpVersion();
        if (recording) {
            target.adoptHistory(value);
        }
        return target;
    }
}
