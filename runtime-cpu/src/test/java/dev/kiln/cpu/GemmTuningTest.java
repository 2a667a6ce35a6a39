package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GEMM blocking search and its cache per CPU model (the choice's bits are GemmTest's). */
class GemmTuningTest {
    private static final GemmTuning.Workload SMALL = new GemmTuning.Workload(64, 48, 96, 1);

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    @Test
    void aSearchChoosesACandidateAndCachesItUnderItsKey(@TempDir Path dir) throws IOException {
        Gemm.MicroKernel kernel = Gemm.kernel();
        String key = GemmTuning.key(kernel);
        Gemm.Blocking chosen = GemmTuning.cachedOrSearched(dir, key, kernel, SMALL);
        assertTrue(GemmTuning.DEPTHS.contains(chosen.kc()) && GemmTuning.ROWS.contains(chosen.mc())
                && GemmTuning.COLUMNS.contains(chosen.nc()), "a searched candidate: " + chosen);
        Path file = dir.resolve(GemmTuning.FILE);
        assertEquals(chosen.toString(), load(file).getProperty(key), "cached under the CPU model, kernel and JDK");
        assertTrue(key.contains(GemmTuning.cpuModel()) && key.contains(kernel.mr() + "x" + kernel.nr()), key);
    }

    @Test
    void aCachedChoiceIsReadNotSearchedAgainAndOtherKeysAreKept(@TempDir Path dir) throws IOException {
        Gemm.MicroKernel kernel = Gemm.kernel();
        Path file = dir.resolve(GemmTuning.FILE);
        // a choice no search makes (7 is not a candidate depth): reading it back proves no search ran
        Files.writeString(file, "other\\ cpu=128,48,512\nthis=7,48,64\n");
        assertEquals(new Gemm.Blocking(7, 48, 64), GemmTuning.cachedOrSearched(dir, "this", kernel, SMALL));
        // a new key is searched for and added beside the others
        Gemm.Blocking searched = GemmTuning.cachedOrSearched(dir, "new", kernel, SMALL);
        Properties p = load(file);
        assertEquals("128,48,512", p.getProperty("other cpu"));
        assertEquals("7,48,64", p.getProperty("this"));
        assertEquals(searched.toString(), p.getProperty("new"));
    }

    @Test
    void aDamagedEntryIsSearchedAgainAndReplaced(@TempDir Path dir) throws IOException {
        Gemm.MicroKernel kernel = Gemm.kernel();
        Path file = dir.resolve(GemmTuning.FILE);
        Files.writeString(file, "this=256,100,1024\n"); // 100 rows: not a multiple of every kernel's mr
        Gemm.Blocking chosen = GemmTuning.cachedOrSearched(dir, "this", kernel, SMALL);
        assertEquals(chosen.toString(), load(file).getProperty("this"));
    }

    @Test
    void theSearchedWorkloadCutsEveryCandidateDepthIntoPassesOfItsOwn() {
        assertTrue(GemmTuning.Workload.DEFAULT.separates(GemmTuning.DEPTHS),
                "each candidate depth must time something the others do not");
        // the workload before was 768 deep: 384 and 512 both made two passes of 384, and 1024 one of 768 as 768 would
        assertFalse(new GemmTuning.Workload(1024, 768, 1024, 3).separates(GemmTuning.DEPTHS));
        assertEquals(384, Gemm.depthStep(768, 512));
        // the default is a candidate, so a search that finds nothing better keeps a blocking it could have chosen
        assertTrue(GemmTuning.DEPTHS.contains(Gemm.Blocking.DEFAULT.kc()) && GemmTuning.ROWS.contains(Gemm.Blocking.DEFAULT.mc())
                && GemmTuning.COLUMNS.contains(Gemm.Blocking.DEFAULT.nc()), Gemm.Blocking.DEFAULT.toString());
    }

    @Test
    void aChoiceCachedByAnEarlierSearchIsSearchedAgain(@TempDir Path dir) throws IOException {
        Gemm.MicroKernel kernel = Gemm.kernel();
        String key = GemmTuning.key(kernel);
        assertTrue(key.endsWith(" / search " + GemmTuning.SEARCH), key);
        // the key the first search wrote (no version): its choice (7 deep, no candidate) must not be read
        String earlier = key.substring(0, key.lastIndexOf(" / search "));
        Properties old = new Properties();
        old.setProperty(earlier, "7,48,64");
        try (var out = Files.newOutputStream(dir.resolve(GemmTuning.FILE))) {
            old.store(out, null);
        }
        Gemm.Blocking chosen = GemmTuning.cachedOrSearched(dir, key, kernel, SMALL);
        assertTrue(GemmTuning.DEPTHS.contains(chosen.kc()), "searched again: " + chosen);
        Properties p = load(dir.resolve(GemmTuning.FILE));
        assertEquals("7,48,64", p.getProperty(earlier), "other keys are kept");
        assertEquals(chosen.toString(), p.getProperty(key));
    }

    @Test
    void aBestTimedInASlowMomentIsTimedAgainBeforeACandidateReplacesIt() {
        // every blocking takes 100, but the default's first timing fell in a slow moment of the host
        int[] defaultTimings = {0};
        Gemm.Blocking chosen = GemmTuning.search(blocking -> blocking.equals(Gemm.Blocking.DEFAULT) && defaultTimings[0]++ == 0 ? 200 : 100);
        assertEquals(Gemm.Blocking.DEFAULT, chosen, "no candidate was faster");
        assertEquals(2, defaultTimings[0], "the default was timed again once, then kept as the best time");
        // a candidate truly faster (a depth, then a row block on top of it) is still found
        Gemm.Blocking deep = new Gemm.Blocking(512, Gemm.Blocking.DEFAULT.mc(), Gemm.Blocking.DEFAULT.nc());
        Gemm.Blocking deepRows = new Gemm.Blocking(512, 144, Gemm.Blocking.DEFAULT.nc());
        assertEquals(deepRows, GemmTuning.search(blocking -> blocking.equals(deepRows) ? 70 : blocking.equals(deep) ? 80 : 100));
        // within the margin is not faster
        assertEquals(Gemm.Blocking.DEFAULT, GemmTuning.search(blocking -> blocking.equals(deep) ? 98 : 100));
    }

    @Test
    void withoutACacheFolderTheSearchStillAnswers() {
        Gemm.MicroKernel kernel = Gemm.kernel();
        Gemm.Blocking chosen = GemmTuning.cachedOrSearched(null, "none", kernel, SMALL);
        assertTrue(GemmTuning.DEPTHS.contains(chosen.kc()), chosen.toString());
    }

    @Test
    void blockingsAreCheckedAndReadBack() {
        assertEquals(Gemm.Blocking.DEFAULT, Gemm.Blocking.parse(Gemm.Blocking.DEFAULT.toString()));
        assertEquals(new Gemm.Blocking(64, 48, 96), Gemm.Blocking.parse(" 64, 48 ,96 "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Gemm.Blocking(256, 100, 1024));
        assertTrue(e.getMessage().contains("multiple of 24"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Gemm.Blocking(0, 24, 32));
        assertThrows(IllegalArgumentException.class, () -> new Gemm.Blocking(8, 24, 40));
        assertThrows(IllegalArgumentException.class, () -> Gemm.Blocking.parse("256,96"));
        assertThrows(NumberFormatException.class, () -> Gemm.Blocking.parse("a,b,c"));
    }
}
