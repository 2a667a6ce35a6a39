package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
