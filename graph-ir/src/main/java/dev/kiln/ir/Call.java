package dev.kiln.ir;

import java.util.List;

/**
 * One application of a user's custom autograd function: a single node whose VJP is the user's
 * backward, traced into the gradient graph. {@code invocation} (the front end's context of the call)
 * carries what forward saved; it also makes every call a distinct node.
 */
public record Call(Invocation invocation, List<TensorType> inputTypes, TensorType result) implements Op {
    @Override
    public TensorType infer(List<TensorType> inputs) {
        if (!inputs.equals(inputTypes)) {
            throw Ops.error(this, invocation.functionName() + " was called with " + inputTypes
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
        if (!(other instanceof Call c) || c.invocation.functionClass() != invocation.functionClass()
                || !c.inputTypes.equals(inputTypes) || !c.result.equals(result)) {
            return false;
        }
        Node mine = invocation.inlinedForward();
        Node theirs = c.invocation.inlinedForward();
        return mine == null ? theirs == null : theirs != null && mine.id() == theirs.id();
    }

    @Override
    public long structuralHash() {
        return invocation.functionClass().getName().hashCode() * 31L + inputTypes.hashCode() * 17L + result.hashCode();
    }

    @Override
    public String attributes() {
        return invocation.functionName();
    }
}
