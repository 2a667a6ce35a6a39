package dev.kiln.ir;

import dev.kiln.DType;
import java.util.List;

/**
 * An op across the processes of a group: every process runs it on its own tensor of the same
 * type, in the same order (the front end is the module {@code dev.kiln.distributed}). In a compiled training
 * step the gradients' all-reduce is such a node, run as a plan step after the gradient kernels.
 * On a group of one process it is the identity.
 */
public sealed interface Collective extends Op {
    /** The group it runs over. */
    Communicator group();

    /** How values combine. */
    enum Kind { SUM, MEAN, MAX }

    /** Every process gets the elementwise sum, mean or maximum of all processes' tensors. */
    record AllReduce(Communicator group, Kind kind) implements Collective {
        @Override
        public TensorType infer(List<TensorType> inputs) {
            DType t = inputs.get(0).dtype();
            if (t != DType.FLOAT32 && t != DType.FLOAT64 && t != DType.INT64) {
                throw Ops.error(this, "works on float32, float64 and int64 tensors, not " + t);
            }
            if (kind == Kind.MEAN && !t.isFloating()) {
                throw Ops.error(this, "mean needs a floating tensor, got " + t);
            }
            return inputs.get(0);
        }

        @Override
        public int arity() {
            return 1;
        }

        @Override
        public String attributes() {
            return kind.name().toLowerCase() + " over " + group.name();
        }
    }
}
