package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/**
 * {@code torch.nn.MultiheadAttention} (PyTorch 1.13): in_proj_weight [3E, E], in_proj_bias [3E], out_proj.weight and
 * out_proj.bias, PyTorch's names and initialization (out_proj as a Linear, then in_proj_weight Xavier-uniform, both
 * biases zero). Masks follow nn.MultiheadAttention's convention: a bool {@code attnMask} or {@code keyPaddingMask}
 * is true where attention is <em>not</em> allowed; a floating one is added to the scores.
 */
public final class MultiheadAttention extends Module {
    /** [3E, E]: the query, key and value projections stacked. */
    public final Tensor inProjWeight;
    /** [3E]: the query, key and value projections' biases stacked; null without bias. */
    public final Tensor inProjBias;
    /** The output projection ({@code out_proj}). */
    public final Linear outProj;
    private final int embedDim;
    private final int numHeads;
    private final double dropout;
    private final boolean batchFirst;

    /**
     * The result of {@link #forward(Tensor, Tensor, Tensor, Tensor, boolean, Tensor, boolean)}.
     *
     * @param output the attention output, [N, L, E] (batch first), [L, N, E] or unbatched [L, E]
     * @param weights the attention weights, [N, L, S] averaged over heads or [N, numHeads, L, S] (without the N
     *        for unbatched inputs); null unless asked for
     */
    public record Output(Tensor output, Tensor weights) {
    }

    /**
     * Multi-head attention with no dropout, bias, sequence-first inputs, the default generator and dtype.
     *
     * @param embedDim the model's dimension E, divisible by {@code numHeads}
     * @param numHeads the number of heads, each of E / numHeads features
     * @throws KilnException if a size is not positive or {@code numHeads} does not divide {@code embedDim}
     */
    public MultiheadAttention(int embedDim, int numHeads) {
        this(embedDim, numHeads, 0, true, false, Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /**
     * Multi-head attention with PyTorch's arguments (no kdim/vdim, add_bias_kv or add_zero_attn), drawing from
     * {@code generator}.
     *
     * @param embedDim the model's dimension E, divisible by {@code numHeads}
     * @param numHeads the number of heads, each of E / numHeads features
     * @param dropout the dropout probability on the attention weights in training, in [0, 1) (PyTorch's default 0)
     * @param bias whether the input and output projections have biases (PyTorch's default true)
     * @param batchFirst whether batched inputs and outputs are [N, L, E] rather than [L, N, E] (PyTorch's default false)
     * @param generator the random generator that initializes the weights
     * @param dtype the parameters' dtype, a floating one
     * @throws KilnException if a size is not positive, {@code numHeads} does not divide {@code embedDim}, or
     *         {@code dropout} is outside [0, 1)
     */
    public MultiheadAttention(int embedDim, int numHeads, double dropout, boolean bias, boolean batchFirst, Generator generator,
            DType dtype) {
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0) {
            throw new KilnException("MultiheadAttention: embed_dim must be divisible by num_heads, got embed_dim=" + embedDim
                    + ", num_heads=" + numHeads);
        }
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.dropout = Dropout.checked(dropout);
        this.batchFirst = batchFirst;
        // PyTorch makes out_proj (a Linear, drawing its weight) before _reset_parameters draws in_proj_weight
        Linear out = new Linear(embedDim, embedDim, bias, generator, dtype);
        this.inProjWeight = parameter("in_proj_weight", Init.xavierUniform_(Tensor.zeros(Shape.of(3 * embedDim, embedDim), dtype), 1,
                generator));
        this.inProjBias = bias ? parameter("in_proj_bias", Tensor.zeros(Shape.of(3 * embedDim), dtype)) : null;
        this.outProj = module("out_proj", out);
        if (bias) {
            Init.zeros_(out.bias);
        }
    }

    /** Self-attention of {@code x} with itself, without masks; the output only. */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, x, x, null, false, null, true).output();
    }

    /**
     * PyTorch's {@code forward(query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights)}.
     * Inputs [N, L, E] (batch first), [L, N, E] or unbatched [L, E]; keyPaddingMask [N, S] (or [S]); attnMask
     * [L, S] or [N·numHeads, L, S]. Weights [N, L, S] averaged over heads, or [N, numHeads, L, S].
     *
     * @param query the queries, [N, L, E] (batch first), [L, N, E] or unbatched [L, E]
     * @param key the keys, [N, S, E] (batch first), [S, N, E] or unbatched [S, E]
     * @param value the values, shaped as {@code key}
     * @param keyPaddingMask null, or [N, S] ([S] unbatched): bool true where a key is ignored, or floating (added)
     * @param needWeights whether to return the attention weights (PyTorch's default true)
     * @param attnMask null, or [L, S] or [N·numHeads, L, S]: bool true where attention is not allowed, or floating (added)
     * @param averageAttnWeights whether the returned weights are averaged over heads (PyTorch's default true)
     * @return the output, and the weights when {@code needWeights}
     * @throws KilnException if the inputs' ranks, embedding dimension, batch or source length disagree, or a mask's
     *         dtype (bool or the query's) or shape does not fit
     */
    public Output forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, boolean needWeights, Tensor attnMask,
            boolean averageAttnWeights) {
        boolean batched = query.dim() == 3;
        if (query.dim() < 2 || query.dim() > 3 || key.dim() != query.dim() || value.dim() != query.dim()) {
            throw new KilnException("MultiheadAttention: query, key and value must all be 3-D (batched) or 2-D (unbatched), got shapes "
                    + query.shape() + ", " + key.shape() + " and " + value.shape());
        }
        if (query.size(-1) != embedDim || key.size(-1) != embedDim || value.size(-1) != embedDim) {
            throw new KilnException("MultiheadAttention(embed_dim=" + embedDim + "): was expecting embedding dimension of " + embedDim
                    + ", got query " + query.shape() + ", key " + key.shape() + ", value " + value.shape());
        }
        Tensor q = batchMajor(query, batched);
        Tensor k = batchMajor(key, batched);
        Tensor v = batchMajor(value, batched);
        int n = q.size(0);
        int l = q.size(1);
        int s = k.size(1);
        if (v.size(1) != s || k.size(0) != n || v.size(0) != n) {
            throw new KilnException("MultiheadAttention: key " + key.shape() + " and value " + value.shape()
                    + " must have the same source length and batch as the query " + query.shape() + (batchFirst ? " (batch_first=True)" : ""));
        }
        Tensor mask = mask(attnMask, keyPaddingMask, q.dtype(), batched, n, l, s);
        int hd = embedDim / numHeads;
        java.util.List<Tensor> w = inProjWeight.chunk(3, 0);
        java.util.List<Tensor> b = inProjBias == null ? null : inProjBias.chunk(3, 0);
        Tensor qh = heads(project(q, w.get(0), b == null ? null : b.get(0)), n, l, hd);
        Tensor kh = heads(project(k, w.get(1), b == null ? null : b.get(1)), n, s, hd);
        Tensor vh = heads(project(v, w.get(2), b == null ? null : b.get(2)), n, s, hd);
        // PyTorch 1.13 scales q before the product and adds the mask (baddbmm)
        Tensor scores = qh.div(Math.sqrt(hd)).matmul(kh.transpose(-2, -1));
        if (mask != null) {
            scores = scores.add(mask);
        }
        Tensor weights = scores.softmax(-1);
        if (dropout > 0 && isTraining()) {
            weights = Functional.dropout(weights, dropout, true);
        }
        Tensor out = outProj.forward(weights.matmul(vh).permute(0, 2, 1, 3).reshape(n, l, embedDim));
        out = batched ? (batchFirst ? out : out.transpose(0, 1)) : out.reshape(l, embedDim);
        if (!needWeights) {
            return new Output(out, null);
        }
        Tensor avg = averageAttnWeights ? weights.sum(1).div((double) numHeads) : weights;
        return new Output(out, batched ? avg : avg.squeeze(0));
    }

    private Tensor batchMajor(Tensor x, boolean batched) {
        return !batched ? x.unsqueeze(0) : batchFirst ? x : x.transpose(0, 1);
    }

    private static Tensor project(Tensor x, Tensor w, Tensor b) {
        Tensor y = x.matmul(w.t());
        return b == null ? y : y.add(b);
    }

    private Tensor heads(Tensor x, int n, int len, int hd) {
        return x.reshape(n, len, numHeads, hd).permute(0, 2, 1, 3);
    }

    /** attn_mask and key_padding_mask merged into one additive mask broadcasting to [N, H, L, S], checked as PyTorch does. */
    private Tensor mask(Tensor attnMask, Tensor keyPaddingMask, DType dtype, boolean batched, int n, int l, int s) {
        Tensor m = null;
        if (attnMask != null) {
            kind("attn_mask", attnMask, dtype);
            if (attnMask.dim() == 2 && (attnMask.size(0) != l || attnMask.size(1) != s)) {
                throw new KilnException("MultiheadAttention: the shape of the 2D attn_mask is " + attnMask.shape() + ", but should be ["
                        + l + ", " + s + "]");
            }
            if (attnMask.dim() == 3 && !attnMask.shape().equals(Shape.of(n * numHeads, l, s))) {
                throw new KilnException("MultiheadAttention: the shape of the 3D attn_mask is " + attnMask.shape() + ", but should be ["
                        + n * numHeads + ", " + l + ", " + s + "]");
            }
            if (attnMask.dim() != 2 && attnMask.dim() != 3) {
                throw new KilnException("MultiheadAttention: attn_mask's dimension " + attnMask.dim() + " is not supported (2 or 3)");
            }
            Tensor a = attnMask.dtype() == DType.BOOL ? Attention.additive(attnMask, dtype) : attnMask;
            m = attnMask.dim() == 2 ? a : a.reshape(n, numHeads, l, s);
        }
        if (keyPaddingMask != null) {
            kind("key_padding_mask", keyPaddingMask, dtype);
            Shape expected = batched ? Shape.of(n, s) : Shape.of(s);
            if (!keyPaddingMask.shape().equals(expected)) {
                throw new KilnException("MultiheadAttention: expecting key_padding_mask shape of " + expected + ", but got "
                        + keyPaddingMask.shape());
            }
            Tensor p = keyPaddingMask.dtype() == DType.BOOL ? Attention.additive(keyPaddingMask, dtype) : keyPaddingMask;
            p = p.reshape(n, 1, 1, s);
            m = m == null ? p : m.add(p);
        }
        return m;
    }

    private static void kind(String what, Tensor mask, DType dtype) {
        if (mask.dtype() != DType.BOOL && mask.dtype() != dtype) {
            throw new KilnException("MultiheadAttention: only bool and floating types of the query's dtype (" + dtype
                    + ") are supported for " + what + ", not " + mask.dtype());
        }
    }
}
