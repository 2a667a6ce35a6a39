package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The property plumbing runs as many cases as it says, each property from a seed of its own. */
class PropsTest {
    @Test
    void runsTheExamplesAskedFor() {
        int[] n = {0};
        Set<Long> seen = new HashSet<>();
        Props.check("count", 10, Props.seeds(), s -> {
            n[0]++;
            seen.add(s);
        });
        assertEquals(10, n[0]);
        assertEquals(10, seen.size());
    }

    @Test
    void propertiesHaveSeedsOfTheirOwn() {
        assertNotEquals(Props.seedOf("a"), Props.seedOf("b"));
        assertEquals(Props.seedOf("a"), Props.seedOf("a"));
    }
}
