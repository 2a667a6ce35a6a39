package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.ModuleCalls;
import dev.kiln.ir.TensorType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A model's summary as {@code torchinfo.summary} prints it ({@link Module#summary}): each module call
 * in the order made, tree-indented, with its output shape, its own parameters and its multiply-adds;
 * then the totals and the memory of the input, the activations and the parameters.
 *
 * <p>The counts follow torchinfo's rules: a layer's mult-adds are, for each of its own parameters,
 * the parameter's size times the batch (times the output's spatial size for convolutions, times the
 * sequence length for a recurrent layer's {@code weight_ih_l0}-style weights); the forward/backward
 * pass size is twice (output and gradient) the output bytes of the layers that hold parameters;
 * megabytes are 10⁶ bytes.
 *
 * @param rows the module calls, the model's first
 * @param inputShape the summarized input's shape
 * @param dtype the input's dtype
 * @param totalParams the model's parameter elements, each shared parameter once
 * @param trainableParams those of parameters that require grad
 */
public record ModuleSummary(List<Row> rows, Shape inputShape, DType dtype, long totalParams, long trainableParams) {
    /**
     * One module call: one line of the table.
     *
     * @param type the module's class name
     * @param path its dotted path in the model ({@code ""} for the model itself)
     * @param depth its depth in the module tree (0 for the model)
     * @param index its 1-based index among its siblings
     * @param outputShape the output's shape, or null if the call made no tensor
     * @param outputDtype the output's dtype, or null if the call made no tensor
     * @param params the elements of the module's own parameters (not its children's)
     * @param trainableParams those of {@code params} that require grad
     * @param multAdds the call's multiply-adds, by torchinfo's rule
     * @param leaf whether the module has no sub-modules
     * @param last whether this is the last call of its parent (for the tree's drawing)
     */
    public record Row(String type, String path, int depth, int index, Shape outputShape, DType outputDtype, long params,
            long trainableParams, long multAdds, boolean leaf, boolean last) {
    }

    /**
     * Creates a summary, copying {@code rows}.
     *
     * @param rows the module calls, the model's first
     * @param inputShape the summarized input's shape
     * @param dtype the input's dtype
     * @param totalParams the model's parameter elements, each shared parameter once
     * @param trainableParams those of parameters that require grad
     */
    public ModuleSummary {
        rows = List.copyOf(rows);
    }

    /** The summary of {@code model} for an input of {@code shape} and {@code dtype}, the model already in the mode wanted. */
    static ModuleSummary of(Module model, Shape shape, DType dtype) {
        List<ModuleCalls.Call> calls = ModuleCalls.trace(model, new TensorType(shape, dtype)).calls();
        List<Row> rows = new ArrayList<>();
        for (ModuleCalls.Call c : calls) {
            Shape out = c.output == null ? null : c.output.shape();
            long own = 0;
            long trainable = 0;
            long macs = 0;
            for (var e : c.module.ownParameters().entrySet()) {
                Tensor p = e.getValue();
                own += p.numel();
                trainable += p.requiresGrad() ? p.numel() : 0;
                macs += out == null || out.rank() == 0 ? 0 : multAdds(c.module.displayName(), e.getKey(), p.numel(), out);
            }
            boolean last = c.parent != null && c.parent.children.getLast() == c;
            rows.add(new Row(c.module.displayName(), c.name, c.depth, c.index, out, c.output == null ? null : c.output.dtype(), own, trainable,
                    macs, c.module.children().isEmpty(), last));
        }
        long total = 0;
        long trainable = 0;
        for (Tensor p : model.parameters()) {
            total += p.numel();
            trainable += p.requiresGrad() ? p.numel() : 0;
        }
        return new ModuleSummary(rows, shape, dtype, total, trainable);
    }

    /** torchinfo's {@code calculate_macs} for one parameter of a layer whose output has shape {@code out}. */
    private static long multAdds(String type, String name, long size, Shape out) {
        int[] o = out.toArray();
        if (name.equals("weight") || name.equals("bias")) {
            long n = o[0];
            if (type.contains("Conv")) {
                for (int i = 2; i < o.length; i++) {
                    n *= o[i];
                }
            }
            return size * n;
        }
        return name.contains("weight") || name.contains("bias") ? size * o[0] * (o.length > 1 ? o[1] : 1) : 0;
    }

    /**
     * Parameter elements that do not require grad.
     *
     * @return {@code totalParams - trainableParams}
     */
    public long nonTrainableParams() {
        return totalParams - trainableParams;
    }

    /**
     * The multiply-adds of every call.
     *
     * @return the sum of the rows' {@code multAdds}
     */
    public long totalMultAdds() {
        long n = 0;
        for (Row r : rows) {
            n += r.multAdds;
        }
        return n;
    }

    /**
     * The input's bytes.
     *
     * @return the input's element count times its dtype's size
     */
    public long inputBytes() {
        return inputShape.numelLong() * dtype.byteSize();
    }

    /**
     * Activation memory as torchinfo counts it: twice the output bytes of each leaf call that holds parameters.
     *
     * @return the forward/backward pass size in bytes
     */
    public long forwardBackwardBytes() {
        long n = 0;
        for (Row r : rows) {
            if (r.leaf && r.params > 0 && r.outputShape != null) {
                n += 2 * r.outputShape.numelLong() * r.outputDtype.byteSize();
            }
        }
        return n;
    }

    /**
     * The parameters' bytes, at the summarized dtype.
     *
     * @return {@code totalParams} times the dtype's size
     */
    public long paramBytes() {
        return totalParams * dtype.byteSize();
    }

    /**
     * The estimated total memory: input, activations and parameters.
     *
     * @return the sum of {@link #inputBytes()}, {@link #forwardBackwardBytes()} and {@link #paramBytes()}
     */
    public long totalBytes() {
        return inputBytes() + forwardBackwardBytes() + paramBytes();
    }

    /** The table, as torchinfo prints it (with the module names, as its {@code var_names} row setting). */
    @Override
    public String toString() {
        String rule = "=".repeat(115) + "\n";
        StringBuilder sb = new StringBuilder(rule);
        sb.append(String.format("%-50s%-25s%-20s%s%n", "Layer (type (var_name):depth-idx)", "Output Shape", "Param #", "Mult-Adds"));
        sb.append(rule);
        for (Row r : rows) {
            String name = r.depth == 0 ? r.type : indent(r) + r.type + " (" + r.path.substring(r.path.lastIndexOf('.') + 1) + "): " + r.depth
                    + "-" + r.index;
            sb.append(String.format("%-50s%-25s%-20s%-20s", name, r.outputShape == null ? "--" : r.outputShape, count(r.params, r.params > 0),
                    count(r.multAdds, r.multAdds > 0)).stripTrailing()).append('\n');
        }
        sb.append(rule);
        sb.append("Total params: ").append(String.format(Locale.ROOT, "%,d", totalParams)).append('\n');
        sb.append("Trainable params: ").append(String.format(Locale.ROOT, "%,d", trainableParams)).append('\n');
        sb.append("Non-trainable params: ").append(String.format(Locale.ROOT, "%,d", nonTrainableParams())).append('\n');
        long macs = totalMultAdds();
        sb.append(macs >= 1e9 ? String.format(Locale.ROOT, "Total mult-adds (G): %.2f%n", macs / 1e9)
                : String.format(Locale.ROOT, "Total mult-adds (M): %.2f%n", macs / 1e6));
        sb.append(rule);
        sb.append(String.format(Locale.ROOT, "Input size (MB): %.2f%n", inputBytes() / 1e6));
        sb.append(String.format(Locale.ROOT, "Forward/backward pass size (MB): %.2f%n", forwardBackwardBytes() / 1e6));
        sb.append(String.format(Locale.ROOT, "Params size (MB): %.2f%n", paramBytes() / 1e6));
        sb.append(String.format(Locale.ROOT, "Estimated Total Size (MB): %.2f%n", totalBytes() / 1e6));
        return sb.append(rule).toString();
    }

    /** torchinfo's tree: "│    " for each open ancestor level, then "├─" (or "└─" for a last child). */
    private String indent(Row r) {
        StringBuilder sb = new StringBuilder();
        for (int d = 1; d < r.depth; d++) {
            sb.append("│    ");
        }
        return sb.append(r.last ? "└─" : "├─").toString();
    }

    private static String count(long n, boolean any) {
        return any ? String.format(Locale.ROOT, "%,d", n) : "--";
    }
}
