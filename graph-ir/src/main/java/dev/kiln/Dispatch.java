package dev.kiln;

import dev.kiln.spi.Layout;
import dev.kiln.spi.TensorData;

import dev.kiln.ir.Leaf;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.ir.Op;
import dev.kiln.ir.Promotion;
import dev.kiln.ir.TensorType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where every tensor op goes: to the backend (and onto the autograd tape), or, while a trace is
 * active or an operand is symbolic, into the trace's graph. Movement ops become views of the same
 * storage when the layout allows.
 */
final class Dispatch {
    private Dispatch() {
    }

    /** Runs {@code op} on {@code device}'s backend; scalars from other devices are moved there first (see {@link #commonDevice}). */
    static Tensor fromBackend(Op op, List<Tensor> inputs, Device device) {
        List<TensorData> in = new ArrayList<>(inputs.size());
        List<TensorType> types = new ArrayList<>(inputs.size());
        for (Tensor t : inputs) {
            TensorData d = t.data();
            in.add(d.device().equals(device) ? d : Backends.transfer(d, device));
            types.add(t.type());
        }
        TensorType type = op.infer(types);
        return new Tensor(Backends.of(device).execute(device, op, in, type), false);
    }

    /** Runs a computing op at once and records it when autograd needs it. */
    static Tensor compute(Op op, Tensor... inputs) {
        Trace t = traceOf(inputs);
        Tensor out;
        if (t != null) {
            out = traced(t, op, inputs);
        } else {
            out = fromBackend(op, Arrays.asList(inputs), commonDevice(op, inputs));
            record(out, op, inputs);
        }
        // Arithmetic among weak scalars (hyper-parameters, Java scalars) stays a weak scalar.
        boolean allWeak = inputs.length > 0 && out.dim() == 0;
        for (Tensor in : inputs) {
            allWeak &= in.tier() == Promotion.SCALAR;
        }
        out.setWeak(allWeak);
        return out;
    }

    /** Runs a movement op as a view of the same storage where the layout allows, else as a copy. */
    static Tensor move(Movement op, Tensor in) {
        Trace t = traceOf(in);
        if (t != null) {
            Tensor out = traced(t, op, in);
            // what made it, for InPlace's check of writes through views
            out.traceState().movedBy = op;
            out.traceState().movedFrom = in;
            return out;
        }
        TensorType type = op.infer(List.of(in.type()));
        Layout view = in.data().layout().view(op, type.shape());
        if (view == null) {
            return compute(op, in);
        }
        Tensor out = new Tensor(new TensorData(in.data().storage(), view), true);
        record(out, op, in);
        return out;
    }

    /** Applies any op to tensors: the executor of gradient graphs. */
    static Tensor apply(Op op, Tensor... inputs) {
        return switch (op) {
            case Movement m -> move(m, inputs[0]);
            case Leaf.Constant c -> Tensor.literal(c.value(), c.dtype());
            default -> compute(op, inputs);
        };
    }

    /** Records a custom function's call: a new tensor over {@code value}'s data whose history is {@code call(inputs)}. */
    static Tensor recordCall(Op call, Tensor value, Tensor... inputs) {
        Tensor out = new Tensor(value.data(), value.isView());
        record(out, call, inputs);
        return out;
    }

    static Trace traceOf(Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.isSymbolic()) {
                return t.trace();
            }
        }
        return Trace.active();
    }

    private static Tensor traced(Trace t, Op op, Tensor... inputs) {
        Node[] nodes = new Node[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            nodes[i] = t.nodeOf(inputs[i]);
        }
        return Tensor.symbolic(t.builder().add(op, nodes), t);
    }

    private static void record(Tensor out, Op op, Tensor... inputs) {
        if (!Kiln.isGradEnabled() || !out.dtype().isFloating()) {
            return;
        }
        for (Tensor t : inputs) {
            if (t.requiresGrad()) {
                out.setGradFn(new GradFn(op, inputs));
                return;
            }
        }
    }

    /**
     * The device an op runs on: that of its inputs, which must agree, as in PyTorch, except that
     * scalars (a Java number, a hyper-parameter, a 0-d CPU tensor) join tensors of any device.
     */
    static Device commonDevice(Op op, Tensor... inputs) {
        if (inputs.length == 0) {
            return Kiln.defaultDevice();
        }
        Device first = inputs[0].device();
        boolean same = true;
        for (Tensor t : inputs) {
            Device here = t.device();
            same &= here == first || here.equals(first);
        }
        if (same) { // the usual case: no scalar to look at
            return first;
        }
        Device d = null;
        boolean scalarsOnly = true;
        for (Tensor t : inputs) {
            Device here = t.device();
            boolean joins = t.joinsAnyDevice();
            if (d == null || scalarsOnly && !joins) {
                d = here;
                scalarsOnly = joins;
            } else if (!here.equals(d) && !joins) {
                throw mixed(op.name(), d, here);
            }
        }
        return d;
    }

    /** PyTorch's error for an op whose tensors sit on two devices. */
    static KilnException mixed(String what, Device a, Device b) {
        return new KilnException(what + ": expected all tensors to be on the same device, but found at least two devices, "
                + a + " and " + b + "; move one with .to(device)");
    }
}
