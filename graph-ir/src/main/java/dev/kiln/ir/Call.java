package dev.kiln.ir;

import dev.kiln.Function;
import java.util.List;

/**
 * One application of a user's custom {@link Function}: a single node whose VJP is the user's
 * backward, traced into the gradient graph. {@code context} carries what forward saved; it also
 * makes every call a distinct node.
 */
public record Call(Function function, Function.Context context, List<TensorType> inputTypes, TensorType result)
        implements Op {
    @Override
    public TensorType infer(List<TensorType> inputs) {
        if (!inputs.equals(inputTypes)) {
            throw Ops.error(this, function.getClass().getSimpleName() + " was called with " + inputTypes
                    + " and cannot be re-applied to " + inputs);
        }
        return result;
    }

    @Override
    public int arity() {
        return inputTypes.size();
    }

    /**
     * Two calls compute the same when they apply the same class of function to the same types and
     * stand for the same traced forward node (what the {@code inline-calls} pass puts in their place);
     * the function object and its context are per call.
     */
    @Override
    public boolean sameStructure(Op other) {
        if (!(other instanceof Call c) || c.function.getClass() != function.getClass() || !c.inputTypes.equals(inputTypes)
                || !c.result.equals(result)) {
            return false;
        }
        Node mine = Function.inlinedForward(this);
        Node theirs = Function.inlinedForward(c);
        return mine == null ? theirs == null : theirs != null && mine.id() == theirs.id();
    }

    @Override
    public long structuralHash() {
        return function.getClass().getName().hashCode() * 31L + inputTypes.hashCode() * 17L + result.hashCode();
    }

    @Override
    public String attributes() {
        return function.getClass().getSimpleName();
    }
}
