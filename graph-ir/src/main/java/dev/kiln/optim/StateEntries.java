package dev.kiln.optim;

import dev.kiln.KilnException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Typed reads of a loaded scheduler state; a refusal names the scheduler, the entry, what came and what fits. */
final class StateEntries {
    private final String owner;
    private final Map<String, Object> state;

    StateEntries(String owner, Map<String, Object> state) {
        this.owner = owner;
        this.state = state;
    }

    /** Refuses a state whose keys are not exactly {@code expected}. */
    void requireKeys(Set<String> expected) {
        if (!state.keySet().equals(expected)) {
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(state.keySet());
            Set<String> unexpected = new TreeSet<>(state.keySet());
            unexpected.removeAll(expected);
            throw new KilnException(owner + ".loadStateDict: the dict's keys do not fit a " + owner + ": missing " + missing
                    + ", unexpected " + unexpected);
        }
    }

    int integer(String key) {
        return integer(key, state.get(key));
    }

    double real(String key) {
        return real(key, state.get(key));
    }

    List<Integer> integers(String key) {
        List<Integer> out = new ArrayList<>();
        for (Object v : list(key, "a list of ints", -1)) {
            out.add(integer(key + "[" + out.size() + "]", v));
        }
        return List.copyOf(out);
    }

    /** One learning rate (>= 0) per parameter group. */
    List<Double> rates(String key, int groups) {
        List<Double> out = new ArrayList<>();
        for (Object v : list(key, "a list of " + groups + " learning rates (one per parameter group)", groups)) {
            String at = key + "[" + out.size() + "]";
            double r = real(at, v);
            if (!(r >= 0)) {
                throw new KilnException(owner + ".loadStateDict: '" + at + "' is " + r + " in the dict, not a learning rate (>= 0)");
            }
            out.add(r);
        }
        return List.copyOf(out);
    }

    private List<?> list(String key, String expected, int size) {
        if (state.get(key) instanceof List<?> l && (size < 0 || l.size() == size)) {
            return l;
        }
        throw refused(key, state.get(key), expected);
    }

    private int integer(String key, Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof BigInteger) {
            BigInteger n = new BigInteger(v.toString());
            if (n.bitLength() < 32) {
                return n.intValue();
            }
        }
        throw refused(key, v, "an int");
    }

    private double real(String key, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw refused(key, v, "a number");
    }

    private KilnException refused(String key, Object v, String expected) {
        String got = v == null ? "missing or null" : v instanceof String s ? "\"" + s + "\" (a String)" : v + " (a " + v.getClass().getSimpleName() + ")";
        return new KilnException(owner + ".loadStateDict: '" + key + "' is " + got + " in the dict, expected " + expected);
    }
}
