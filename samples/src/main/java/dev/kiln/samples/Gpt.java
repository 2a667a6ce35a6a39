package dev.kiln.samples;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Attention;
import dev.kiln.nn.CausalLM;
import dev.kiln.nn.Embedding;
import dev.kiln.nn.Functional;
import dev.kiln.nn.GELU;
import dev.kiln.nn.Init;
import dev.kiln.nn.KVCache;
import dev.kiln.nn.LayerNorm;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.nn.Sequential;
import java.util.ArrayList;
import java.util.List;

/**
 * nanoGPT's model (karpathy/nanoGPT model.py, without dropout): token and position embeddings, {@code nLayer}
 * blocks of LayerNorm → causal multi-head self-attention → residual → LayerNorm → MLP (4× width, GELU) →
 * residual, a final LayerNorm, and the output head tied to the token embedding. nanoGPT's parameter names
 * ({@code transformer.wte.weight}, {@code transformer.h.0.attn.c_attn.weight}, ...; the tied head has no entry
 * of its own) and initialization: every Linear and Embedding weight N(0, 0.02), biases zero, the residual
 * projections {@code c_proj} N(0, 0.02/√(2·nLayer)).
 */
public final class Gpt extends Module implements CausalLM {
    /** nanoGPT's {@code GPTConfig} (bias on, dropout 0). */
    public record Config(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd) {
        public Config {
            if (nEmbd % nHead != 0) {
                throw new KilnException("Gpt: n_embd must be divisible by n_head, got n_embd=" + nEmbd + ", n_head=" + nHead);
            }
        }
    }

    private final Config config;
    private final Transformer transformer;

    /** The model with weights drawn from {@code generator}. */
    public Gpt(Config config, Generator generator) {
        this.config = config;
        this.transformer = module("transformer", new Transformer(config, generator));
    }

    /** The configuration. */
    public Config config() {
        return config;
    }

    /** The token embedding, which is also the output head's weight. */
    public Tensor wte() {
        return transformer.wte.weight;
    }

    /** The logits [B, T, vocab] of tokens [B, T]. */
    @Override
    public Tensor forward(Tensor idx) {
        int t = idx.size(1);
        if (t > config.blockSize()) {
            throw new KilnException("Gpt: cannot forward a sequence of length " + t + ", the block size (position table) is only "
                    + config.blockSize());
        }
        Tensor x = transformer.wte.forward(idx).add(transformer.wpe.forward(Tensor.arange(t)));
        for (int i = 0; i < config.nLayer(); i++) {
            x = transformer.h.<Block>get(i).forward(x);
        }
        return transformer.lnF.forward(x).matmul(wte().t());
    }

    /** Mean cross-entropy of the logits of {@code idx} against {@code targets} [B, T]. */
    public Tensor loss(Tensor idx, Tensor targets) {
        Tensor logits = forward(idx);
        return Functional.crossEntropy(logits.reshape(-1, config.vocabSize()), targets.reshape(-1));
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxPositions() {
        return config.blockSize();
    }

    @Override
    public List<Shape> cacheShapes(int length) {
        List<Shape> shapes = new ArrayList<>();
        for (int i = 0; i < 2 * config.nLayer(); i++) {
            shapes.add(Shape.of(1, config.nHead(), length, config.nEmbd() / config.nHead()));
        }
        return shapes;
    }

    @Override
    public List<Tensor> forwardCached(Tensor tokens, Tensor positions, List<Tensor> cache) {
        Tensor x = transformer.wte.forward(tokens).add(transformer.wpe.forward(positions));
        List<Tensor> out = new ArrayList<>();
        out.add(null);
        for (int i = 0; i < config.nLayer(); i++) {
            Block b = transformer.h.get(i);
            Tensor[] qkv = b.attn.heads(b.ln1.forward(x));
            out.add(qkv[1]);
            out.add(qkv[2]);
            Tensor y = KVCache.attend(qkv[0], qkv[1], qkv[2], cache.get(2 * i), cache.get(2 * i + 1), positions);
            x = x.add(b.attn.merge(y));
            x = x.add(b.mlp.forward(b.ln2.forward(x)));
        }
        out.set(0, transformer.lnF.forward(x).matmul(wte().t()));
        return out;
    }

    /** The parameters nanoGPT decays (every 2-D weight, the embeddings included) and those it does not. */
    public List<List<Tensor>> decayAndNoDecay() {
        List<Tensor> decay = new ArrayList<>();
        List<Tensor> noDecay = new ArrayList<>();
        for (Tensor p : parameters()) {
            (p.dim() >= 2 ? decay : noDecay).add(p);
        }
        return List.of(decay, noDecay);
    }

    private static Linear linear(int in, int out, double std, Generator g) {
        Linear l = new Linear(in, out, true, g, DType.FLOAT32);
        Init.normal_(l.weight, 0, std, g);
        Init.zeros_(l.bias);
        return l;
    }

    private static final class Transformer extends Module {
        final Embedding wte;
        final Embedding wpe;
        final Sequential h;
        final LayerNorm lnF;

        Transformer(Config c, Generator g) {
            wte = module("wte", new Embedding(c.vocabSize(), c.nEmbd()));
            Init.normal_(wte.weight, 0, 0.02, g);
            wpe = module("wpe", new Embedding(c.blockSize(), c.nEmbd()));
            Init.normal_(wpe.weight, 0, 0.02, g);
            Module[] blocks = new Module[c.nLayer()];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = new Block(c, g);
            }
            h = module("h", new Sequential(blocks));
            lnF = module("ln_f", new LayerNorm(c.nEmbd()));
        }
    }

    private static final class Block extends Module {
        final LayerNorm ln1;
        final SelfAttention attn;
        final LayerNorm ln2;
        final Mlp mlp;

        Block(Config c, Generator g) {
            ln1 = module("ln_1", new LayerNorm(c.nEmbd()));
            attn = module("attn", new SelfAttention(c, g));
            ln2 = module("ln_2", new LayerNorm(c.nEmbd()));
            mlp = module("mlp", new Mlp(c, g));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = x.add(attn.forward(ln1.forward(x)));
            return x.add(mlp.forward(ln2.forward(x)));
        }
    }

    private static final class SelfAttention extends Module {
        final Linear cAttn;
        final Linear cProj;
        final int nHead;
        final int nEmbd;

        SelfAttention(Config c, Generator g) {
            cAttn = module("c_attn", linear(c.nEmbd(), 3 * c.nEmbd(), 0.02, g));
            cProj = module("c_proj", linear(c.nEmbd(), c.nEmbd(), 0.02 / Math.sqrt(2.0 * c.nLayer()), g));
            nHead = c.nHead();
            nEmbd = c.nEmbd();
        }

        /** q, k and v [B, nh, T, hs] of x [B, T, C]. */
        Tensor[] heads(Tensor x) {
            int b = x.size(0);
            int t = x.size(1);
            List<Tensor> qkv = cAttn.forward(x).split(nEmbd, 2);
            Tensor[] out = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                out[i] = qkv.get(i).reshape(b, t, nHead, nEmbd / nHead).transpose(1, 2);
            }
            return out;
        }

        /** The heads' outputs [B, nh, T, hs] side by side, projected. */
        Tensor merge(Tensor y) {
            return cProj.forward(y.transpose(1, 2).reshape(y.size(0), y.size(2), nEmbd));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor[] qkv = heads(x);
            return merge(Attention.scaledDotProductAttention(qkv[0], qkv[1], qkv[2], null, 0.0, true, null));
        }
    }

    private static final class Mlp extends Module {
        final Linear cFc;
        final GELU gelu = new GELU();
        final Linear cProj;

        Mlp(Config c, Generator g) {
            cFc = module("c_fc", linear(c.nEmbd(), 4 * c.nEmbd(), 0.02, g));
            cProj = module("c_proj", linear(4 * c.nEmbd(), c.nEmbd(), 0.02 / Math.sqrt(2.0 * c.nLayer()), g));
        }

        @Override
        public Tensor forward(Tensor x) {
            return cProj.forward(gelu.forward(cFc.forward(x)));
        }
    }
}
