package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CacheStats;
import dev.kiln.Generator;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.nn.Generation;
import dev.kiln.nn.GenerationConfig;
import dev.kiln.nn.KVCache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Generation with a key/value cache on a small {@link Gpt} (random weights, vocabulary 40, block 24): the cached
 * logits equal a full forward's, the compiled prefill and decode steps are one plan each at every position,
 * sampling gives the same tokens for a seed on every thread count, and misuse fails with a KilnException that
 * names the user's line and changes nothing.
 */
class GenerationTest {
    static final int VOCAB = 40;
    static final int BLOCK = 24;
    static Gpt model;
    static Generation gen;

    @BeforeAll
    static void build() {
        model = new Gpt(new Gpt.Config(VOCAB, BLOCK, 2, 2, 32), new Generator(7));
        model.eval();
        gen = Generation.of(model, BLOCK);
    }

    @Test
    void cachedLogitsEqualAFullForwardAtEveryPositionWithOnePlanEach() {
        long[] prompt = {3, 1, 4, 1, 5};
        KVCache cache = gen.newCache();
        Tensor logits = gen.prefill(cache, prompt);
        List<Long> seq = new ArrayList<>();
        for (long t : prompt) {
            seq.add(t);
        }
        while (true) {
            long[] ids = seq.stream().mapToLong(Long::longValue).toArray();
            float[] full = model.forward(Tensor.of(ids).reshape(1, ids.length)).select(0, 0).select(0, ids.length - 1).toFloatArray();
            float[] cached = logits.toFloatArray();
            for (int v = 0; v < VOCAB; v++) {
                assertEquals(full[v], cached[v], 1e-5, "position " + (ids.length - 1) + ", logit " + v);
            }
            if (seq.size() == BLOCK) {
                break;
            }
            long next = Generation.sample(logits, GenerationConfig.greedy(1), null);
            seq.add(next);
            logits = gen.decode(cache, next);
        }
        assertEquals(BLOCK, cache.length());
        CacheStats decode = gen.decodeStats();
        assertEquals(1, decode.compiles(), decode.toString());
        assertEquals(1, decode.misses(), decode.toString());
        assertTrue(decode.hits() >= BLOCK - prompt.length, decode.toString());
        assertEquals(1, gen.prefillStats().compiles(), gen.prefillStats().toString());
    }

    @Test
    void greedyGenerationIsTheArgmaxAndStopsAtTheStopToken() {
        long[] prompt = {2, 7};
        long[] greedy = gen.generate(prompt, GenerationConfig.greedy(10), null);
        assertEquals(10, greedy.length);
        // top-k 1 samples the greedy token
        assertArrayEquals(greedy, gen.generate(prompt, GenerationConfig.sampling(10, 0.7, 1, 1.0), new Generator(3)));
        long eos = greedy[3];
        int first = 0;
        while (greedy[first] != eos) {
            first++;
        }
        long[] stopped = gen.generate(prompt, GenerationConfig.greedy(10).withEosTokenId(eos), null);
        assertArrayEquals(java.util.Arrays.copyOf(greedy, first + 1), stopped);
    }

    @Test
    void aSeedGivesTheSameTextOnEveryRunAndThreadCount() throws Exception {
        GenerationConfig config = GenerationConfig.sampling(18, 1.3, 12, 0.95);
        long[] prompt = {5, 6};
        List<long[]> serial = new ArrayList<>();
        for (int seed = 0; seed < 8; seed++) {
            serial.add(gen.generate(prompt, config, new Generator(seed)));
        }
        assertTrue(serial.stream().map(java.util.Arrays::toString).distinct().count() > 1, "every seed gave the same text");
        for (int threads : new int[] {1, 2, 4}) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<long[]>> out = new ArrayList<>();
                for (int seed = 0; seed < 8; seed++) {
                    long s = seed;
                    out.add(pool.submit(() -> gen.generate(prompt, config, new Generator(s))));
                }
                for (int seed = 0; seed < 8; seed++) {
                    assertArrayEquals(serial.get(seed), out.get(seed).get(), "seed " + seed + " on " + threads + " threads");
                }
            } finally {
                pool.shutdown();
            }
        }
        assertEquals(1, gen.decodeStats().compiles());
    }

    @Test
    void decodingPastTheCacheFailsNamingTheLineAndChangesNothing() {
        KVCache cache = gen.newCache();
        gen.prefill(cache, new long[BLOCK]);
        float[] before = cache.buffers().getFirst().toFloatArray();
        KilnException e = assertThrows(KilnException.class, () -> gen.decode(cache, 1));
        assertTrue(e.getMessage().contains("past the cache's length") && e.getMessage().contains(BLOCK + " positions"), e.getMessage());
        assertTrue(e.getMessage().contains("GenerationTest.java"), e.getMessage());
        assertEquals(BLOCK, cache.length());
        assertArrayEquals(before, cache.buffers().getFirst().toFloatArray());
    }

    @Test
    void sequencesLongerThanThePositionTableFail() {
        KilnException tooLong = assertThrows(KilnException.class, () -> Generation.of(model, BLOCK + 1));
        assertTrue(tooLong.getMessage().contains("position table holds " + BLOCK) && tooLong.getMessage().contains("GenerationTest.java"),
                tooLong.getMessage());
        KilnException prompt = assertThrows(KilnException.class, () -> gen.prefill(gen.newCache(), new long[BLOCK + 1]));
        assertTrue(prompt.getMessage().contains("a prompt of " + (BLOCK + 1) + " tokens"), prompt.getMessage());
        KilnException generate = assertThrows(KilnException.class, () -> gen.generate(new long[20], GenerationConfig.greedy(10), null));
        assertTrue(generate.getMessage().contains("need 29 positions; the cache holds " + BLOCK), generate.getMessage());
        KilnException forward = assertThrows(KilnException.class, () -> model.forward(Tensor.zeros(1, BLOCK + 1).to(dev.kiln.DType.INT64)));
        assertTrue(forward.getMessage().contains("block size (position table) is only " + BLOCK), forward.getMessage());
        KVCache used = gen.newCache();
        gen.prefill(used, new long[] {1});
        KilnException again = assertThrows(KilnException.class, () -> gen.prefill(used, new long[] {1}));
        assertTrue(again.getMessage().contains("needs an empty cache"), again.getMessage());
        assertEquals(1, used.length());
        KilnException token = assertThrows(KilnException.class, () -> gen.decode(used, VOCAB));
        assertTrue(token.getMessage().contains("token " + VOCAB + " is not in the model's vocabulary of " + VOCAB), token.getMessage());
        assertEquals(1, used.length());
        assertThrows(KilnException.class, () -> GenerationConfig.sampling(5, 0, 0, 1.0));
        assertThrows(KilnException.class, () -> GenerationConfig.sampling(5, 1, 0, 0));
    }
}
