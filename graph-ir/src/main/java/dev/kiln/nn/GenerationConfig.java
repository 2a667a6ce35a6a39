package dev.kiln.nn;

import dev.kiln.KilnException;

/**
 * How {@link Generation#generate} picks tokens, as Hugging Face's {@code GenerationConfig}: at most
 * {@code maxNewTokens}; greedy (the largest logit) unless {@code doSample}, else drawn from
 * softmax(logits / temperature) restricted to the {@code topK} largest (0: all) and to the smallest set whose
 * probability reaches {@code topP} (1: all); generation stops after {@code eosTokenId} (−1: none).
 *
 * @param maxNewTokens the most tokens generated, at least 1
 * @param doSample whether to sample (true) or decode greedily (false)
 * @param temperature the divisor of the logits before softmax, positive and finite
 * @param topK how many of the largest logits are kept when sampling, 0 for all
 * @param topP the probability mass kept when sampling, in (0, 1]; 1 keeps all
 * @param eosTokenId the token after which generation stops, or -1 for none
 */
public record GenerationConfig(int maxNewTokens, boolean doSample, double temperature, int topK, double topP, long eosTokenId) {
    /**
     * Checks the settings.
     *
     * @param maxNewTokens the most tokens generated, at least 1
     * @param doSample whether to sample (true) or decode greedily (false)
     * @param temperature the divisor of the logits before softmax, positive and finite
     * @param topK how many of the largest logits are kept when sampling, 0 for all
     * @param topP the probability mass kept when sampling, in (0, 1]; 1 keeps all
     * @param eosTokenId the token after which generation stops, or -1 for none
     * @throws KilnException if a setting is out of its range
     */
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

    /**
     * Greedy decoding of up to {@code maxNewTokens} tokens, without a stop token.
     *
     * @param maxNewTokens the most tokens generated, at least 1
     * @return the configuration
     * @throws KilnException if {@code maxNewTokens} is less than 1
     */
    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, false, 1.0, 0, 1.0, -1);
    }

    /**
     * Sampling at {@code temperature} from the {@code topK} largest logits (0: all) and the top-{@code topP} mass,
     * without a stop token.
     *
     * @param maxNewTokens the most tokens generated, at least 1
     * @param temperature the divisor of the logits before softmax, positive and finite
     * @param topK how many of the largest logits are kept, 0 for all
     * @param topP the probability mass kept, in (0, 1]; 1 keeps all
     * @return the configuration
     * @throws KilnException if a setting is out of its range
     */
    public static GenerationConfig sampling(int maxNewTokens, double temperature, int topK, double topP) {
        return new GenerationConfig(maxNewTokens, true, temperature, topK, topP, -1);
    }

    /**
     * This configuration with a stop token.
     *
     * @param eos the token after which generation stops, or -1 for none
     * @return a new configuration, the other settings unchanged
     * @throws KilnException if {@code eos} is less than -1
     */
    public GenerationConfig withEosTokenId(long eos) {
        return new GenerationConfig(maxNewTokens, doSample, temperature, topK, topP, eos);
    }
}
