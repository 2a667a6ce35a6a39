package dev.kiln.nn;

import dev.kiln.KilnException;

/**
 * How {@link Generation#generate} picks tokens, as Hugging Face's {@code GenerationConfig}: at most
 * {@code maxNewTokens}; greedy (the largest logit) unless {@code doSample}, else drawn from
 * softmax(logits / temperature) restricted to the {@code topK} largest (0: all) and to the smallest set whose
 * probability reaches {@code topP} (1: all); generation stops after {@code eosTokenId} (−1: none).
 */
public record GenerationConfig(int maxNewTokens, boolean doSample, double temperature, int topK, double topP, long eosTokenId) {
    public GenerationConfig {
        if (maxNewTokens < 1) {
            throw new KilnException("GenerationConfig: maxNewTokens must be at least 1, got " + maxNewTokens);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new KilnException("GenerationConfig: temperature must be a positive number, got " + temperature);
        }
        if (topK < 0) {
            throw new KilnException("GenerationConfig: topK must be 0 (no limit) or positive, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new KilnException("GenerationConfig: topP must be in (0, 1], got " + topP);
        }
        if (eosTokenId < -1) {
            throw new KilnException("GenerationConfig: eosTokenId must be a token or -1 (none), got " + eosTokenId);
        }
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens, without a stop token. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, false, 1.0, 0, 1.0, -1);
    }

    /** Sampling at {@code temperature} from the {@code topK} largest logits (0: all) and the top-{@code topP} mass. */
    public static GenerationConfig sampling(int maxNewTokens, double temperature, int topK, double topP) {
        return new GenerationConfig(maxNewTokens, true, temperature, topK, topP, -1);
    }

    /** This configuration with a stop token. */
    public GenerationConfig withEosTokenId(long eos) {
        return new GenerationConfig(maxNewTokens, doSample, temperature, topK, topP, eos);
    }
}
