package dev.kiln.nn;

import dev.kiln.CacheStats;
import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Autoregressive decoding with a key/value cache, compiled for serving. A prefill step (the prompt, padded to
 * the cache's length) and a one-token decode step are each compiled once, without grad; both read a
 * sequence's {@link KVCache} as inputs and return the new rows, which are written into the cache's buffers in
 * place, so neither re-traces as the position grows. One {@code Generation} is shared by request threads,
 * each sequence with its own cache (and generator): calls run in parallel and a seed gives the same tokens on
 * any number of threads.
 * <pre>
 * model.eval();
 * Generation gen = Generation.of(model, 64);
 * long[] text = gen.generate(prompt, GenerationConfig.sampling(200, 0.8, 20, 1.0), new Generator(42));
 * </pre>
 */
public final class Generation {
    private final CausalLM model;
    private final int capacity;
    private final List<Shape> shapes;
    private final DType dtype;
    private final CompiledFunction prefill;
    private final CompiledFunction decode;

    private Generation(CausalLM model, int capacity, DType dtype) {
        this.model = model;
        this.capacity = capacity;
        this.shapes = List.copyOf(model.cacheShapes(capacity));
        this.dtype = dtype;
        this.prefill = compile();
        this.decode = compile();
        KVCache cache = newCache();
        prefill.prepare(inputs(new long[capacity], 0, cache));
        decode.prepare(inputs(new long[1], 0, cache));
    }

    /**
     * Compiles the prefill and decode steps of {@code model} for caches of {@code capacity} positions (at most
     * the model's position table), in {@code Kiln.defaultDtype()}.
     *
     * @param model the language model, in the mode it should decode in (usually {@code eval()})
     * @param capacity the positions each cache holds: prompt and generated tokens together
     * @return the compiled steps
     * @throws KilnException if {@code model} is null or {@code capacity} is not in 1 to {@link CausalLM#maxPositions()}
     */
    public static Generation of(CausalLM model, int capacity) {
        return of(model, capacity, Kiln.defaultDtype());
    }

    /**
     * As {@link #of(CausalLM, int)}, with caches of {@code dtype} (the model's parameters' dtype).
     *
     * @param model the language model, in the mode it should decode in (usually {@code eval()})
     * @param capacity the positions each cache holds: prompt and generated tokens together
     * @param dtype the caches' dtype
     * @return the compiled steps
     * @throws KilnException if {@code model} is null or {@code capacity} is not in 1 to {@link CausalLM#maxPositions()}
     */
    public static Generation of(CausalLM model, int capacity, DType dtype) {
        if (model == null) {
            throw new KilnException("Generation.of: the model must not be null");
        }
        if (capacity < 1 || capacity > model.maxPositions()) {
            throw new KilnException("Generation.of: a cache of " + capacity + " positions; the model's position table holds "
                    + model.maxPositions() + ", so the cache must hold 1 to " + model.maxPositions());
        }
        return new Generation(model, capacity, dtype);
    }

    private CompiledFunction compile() {
        return Kiln.compileAll(in -> {
            try (var noGrad = Kiln.noGrad()) {
                List<Tensor> rest = Arrays.asList(in).subList(2, in.length);
                return model.forwardCached(in[0], in[1], rest);
            }
        }, CompiledFunction.Mode.STATIC, 2); // room for a plan per mode: the model's train/eval modes guard the plan
    }

    /**
     * An empty cache for one sequence.
     *
     * @return a new cache of {@link #capacity()} positions, with the model's cache shapes and this generation's dtype
     */
    public KVCache newCache() {
        return new KVCache(shapes, capacity, dtype);
    }

    /**
     * The positions a cache holds.
     *
     * @return the capacity given to {@link #of}
     */
    public int capacity() {
        return capacity;
    }

    /**
     * The prefill step's compile statistics (one compile per model mode, however long the prompts).
     *
     * @return the prefill step's cache statistics
     */
    public CacheStats prefillStats() {
        return prefill.stats();
    }

    /**
     * The decode step's compile statistics (one compile per model mode, at every position).
     *
     * @return the decode step's cache statistics
     */
    public CacheStats decodeStats() {
        return decode.stats();
    }

    /**
     * Runs {@code prompt} into an empty {@code cache}, which then holds its positions.
     *
     * @param cache an empty cache from this generation's {@link #newCache()}
     * @param prompt the prompt's token ids, 1 to {@link #capacity()} of them, each in the model's vocabulary
     * @return the logits [vocab] for the token after the prompt
     * @throws KilnException if the cache is not this generation's or not empty, or the prompt is empty, too long or
     *         holds a token outside the vocabulary
     */
    public Tensor prefill(KVCache cache, long[] prompt) {
        checkCache(cache);
        if (cache.length() != 0) {
            throw new KilnException("Generation.prefill: the cache already holds " + cache.length() + " positions; prefill needs an"
                    + " empty cache (cache.reset(), or newCache())");
        }
        if (prompt.length < 1 || prompt.length > capacity) {
            throw new KilnException("Generation.prefill: a prompt of " + prompt.length + " tokens; the cache holds 1 to " + capacity);
        }
        checkTokens("prefill", prompt);
        List<Tensor> out = prefill.callAll(inputs(Arrays.copyOf(prompt, capacity), 0, cache));
        cache.append(out.subList(1, out.size()), prompt.length);
        return out.getFirst().select(0, 0).select(0, prompt.length - 1);
    }

    /**
     * Runs one token at the cache's next position, which the cache then holds.
     *
     * @param cache a cache from this generation's {@link #newCache()}, prefilled and not full
     * @param token the token id, in the model's vocabulary
     * @return the logits [vocab] for the token after it
     * @throws KilnException if the cache is not this generation's, is empty or full, or the token is outside the vocabulary
     */
    public Tensor decode(KVCache cache, long token) {
        checkCache(cache);
        if (cache.length() == 0) {
            throw new KilnException("Generation.decode: the cache is empty; run the prompt through prefill first");
        }
        if (cache.length() >= capacity) {
            throw new KilnException("Generation.decode: decoding past the cache's length: all " + capacity
                    + " positions are filled (make the cache longer with Generation.of, or start a new sequence)");
        }
        checkTokens("decode", token);
        List<Tensor> out = decode.callAll(inputs(new long[] {token}, cache.length(), cache));
        cache.append(out.subList(1, out.size()), 1);
        return out.getFirst().select(0, 0).select(0, 0);
    }

    /**
     * The tokens generated after {@code prompt} (the stop token included when reached), drawing from
     * {@code generator} when the configuration samples (see {@link #sample}). Checks that prompt and new tokens fit
     * the cache first. Each call uses a new cache.
     *
     * @param prompt the prompt's token ids, at least one, each in the model's vocabulary
     * @param config the stopping and sampling settings
     * @param generator the generator to draw from; may be null when greedy
     * @return the generated token ids, at most {@code config.maxNewTokens()} of them, the prompt not included
     * @throws KilnException if the prompt is empty, prompt and new tokens need more positions than
     *         {@link #capacity()}, sampling is asked without a generator, or a prompt token is outside the vocabulary
     */
    public long[] generate(long[] prompt, GenerationConfig config, Generator generator) {
        int needed = prompt.length + config.maxNewTokens() - 1;
        if (prompt.length < 1 || needed > capacity) {
            throw new KilnException("Generation.generate: a prompt of " + prompt.length + " tokens and up to " + config.maxNewTokens()
                    + " new ones need " + needed + " positions; the cache holds " + capacity);
        }
        if (config.doSample() && generator == null) {
            throw new KilnException("Generation.generate: sampling needs a generator");
        }
        KVCache cache = newCache();
        List<Long> out = new ArrayList<>();
        Tensor logits = prefill(cache, prompt);
        while (true) {
            long next = sample(logits, config, generator);
            out.add(next);
            if (next == config.eosTokenId() || out.size() == config.maxNewTokens()) {
                return out.stream().mapToLong(Long::longValue).toArray();
            }
            logits = decode(cache, next);
        }
    }

    /**
     * The next token from {@code logits} [vocab]: the largest (the first of equals) when greedy, else a draw
     * from {@code generator} over softmax(logits / temperature) kept to the top-k and top-p tokens (the most
     * probable token is always kept): one float64 uniform u, and the first token, most probable first, whose
     * cumulative probability exceeds u.
     *
     * @param logits the logits, 1-D [vocab]
     * @param config the sampling settings: greedy, or temperature, top-k and top-p
     * @param generator the generator to draw from when sampling (one draw per call); unused, and may be null, when greedy
     * @return the chosen token's index in {@code logits}
     * @throws KilnException if {@code logits} is not 1-D, or the configuration samples and {@code generator} is null
     */
    public static long sample(Tensor logits, GenerationConfig config, Generator generator) {
        if (logits.dim() != 1) {
            throw new KilnException("Generation.sample: logits must be 1-D [vocab], got " + logits.shape());
        }
        if (config.doSample() && generator == null) {
            throw new KilnException("Generation.sample: sampling needs a generator");
        }
        double[] l = logits.toDoubleArray();
        if (!config.doSample()) {
            int best = 0;
            for (int i = 1; i < l.length; i++) {
                if (l[i] > l[best]) {
                    best = i;
                }
            }
            return best;
        }
        Integer[] order = new Integer[l.length];
        for (int i = 0; i < l.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(l[b], l[a])); // stable: equal logits keep their order
        int keep = config.topK() == 0 ? l.length : Math.min(config.topK(), l.length);
        double max = l[order[0]];
        double[] p = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((l[order[i]] - max) / config.temperature());
            total += p[i];
        }
        if (config.topP() < 1) {
            // Hugging Face's top-p: keep the smallest prefix of the sorted tokens whose probability reaches topP
            double cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += p[i] / total;
                if (cumulative >= config.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        // one float64 uniform from the generator (two words, as Tensor.rand draws it), inverted on the kept tokens'
        // cumulative weights in the sorted order: on the host, since a token's draw is too small for tensor ops
        double u = Generator.uniform(generator.seed(), generator.reserve(2), 0, DType.FLOAT64);
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += p[i];
        }
        double target = u * kept;
        double cumulative = 0;
        for (int i = 0; i < keep - 1; i++) {
            cumulative += p[i];
            if (target < cumulative) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    private void checkTokens(String method, long... tokens) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= model.vocabSize()) {
                throw new KilnException("Generation." + method + ": token " + tokens[i] + (tokens.length > 1 ? " at " + i : "")
                        + " is not in the model's vocabulary of " + model.vocabSize());
            }
        }
    }

    private void checkCache(KVCache cache) {
        if (cache == null || cache.capacity() != capacity || !cache.buffers().stream().map(Tensor::shape).toList().equals(shapes)) {
            throw new KilnException("Generation: the cache was not made by this Generation's newCache() (it holds "
                    + (cache == null ? "nothing" : cache.capacity() + " positions") + ", this one's hold " + capacity + ")");
        }
    }

    private static Tensor[] inputs(long[] tokens, int start, KVCache cache) {
        List<Tensor> in = new ArrayList<>();
        in.add(Tensor.of(tokens).reshape(1, tokens.length));
        in.add(Tensor.arange(start, start + tokens.length, 1));
        in.addAll(cache.buffers());
        return in.toArray(Tensor[]::new);
    }
}
