package dev.kiln.tests.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.KilnException;
import dev.kiln.io.Safetensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every malformed file ends in a KilnException naming the file (and the entry, where there is one),
 * before anything large is allocated: the rules other safetensors parsers have shipped
 * out-of-bounds reads and integer overflows for.
 */
class SafetensorsStrictTest {
    @TempDir
    Path dir;

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    private void refused(Path f, String... mentions) {
        KilnException e = assertThrows(KilnException.class, () -> Safetensors.load(f));
        String m = e.getMessage();
        assertTrue(m.contains(f.toString()), "names the file: " + m);
        for (String s : mentions) {
            assertTrue(m.contains(s), "mentions '" + s + "': " + m);
        }
        // metadata() reads the same header and refuses it too (data-only faults aside)
    }

    private void headerRefused(Path f, String... mentions) {
        refused(f, mentions);
        KilnException e = assertThrows(KilnException.class, () -> Safetensors.metadata(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    private Path file(String name, String header, int dataBytes) throws IOException {
        return Fixtures.write(dir.resolve(name), header, new byte[dataBytes]);
    }

    /** Files torch.save wrote (make_torch_save.py): the message says what they are and how to get safetensors. */
    @Test
    void aTorchSaveFileIsNamedAsOneWithTheWayToSafetensors() throws IOException {
        for (String name : new String[] {"torch_save_zip.pt", "torch_save_legacy.pt"}) {
            Path f = dir.resolve(name);
            try (var in = SafetensorsStrictTest.class.getResourceAsStream("/io/" + name)) {
                java.nio.file.Files.write(f, in.readAllBytes());
            }
            headerRefused(f, "this looks like a torch.save (pickle/zip) file",
                    "from safetensors.torch import save_file; save_file(model.state_dict(), path)",
                    name.contains("zip") ? "a zip archive whose first entry is torch_save_zip/data.pkl" : "a Python pickle (protocol 2");
        }
    }

    @Test
    void emptyAndSevenByteFiles() throws IOException {
        headerRefused(Fixtures.raw(dir.resolve("empty"), new byte[0]), "0 bytes");
        headerRefused(Fixtures.raw(dir.resolve("seven"), new byte[7]), "7 bytes");
    }

    @Test
    void headerLengthBeyondTheFileOrTheCap() throws IOException {
        headerRefused(Fixtures.raw(dir.resolve("beyond"), Fixtures.withLength(64, "{}".getBytes())), "past the end");
        headerRefused(Fixtures.raw(dir.resolve("cap"), Fixtures.withLength(100_000_001, new byte[16])), "cap");
        headerRefused(Fixtures.raw(dir.resolve("huge"), Fixtures.withLength(-1, new byte[16])), "18446744073709551615");
    }

    @Test
    void headerNotUtf8OrNotAJsonObject() throws IOException {
        headerRefused(Fixtures.raw(dir.resolve("latin1"), Fixtures.withLength(4, new byte[] {'{', (byte) 0xE9, '}', ' '})), "UTF-8");
        headerRefused(file("array", "[1, 2]", 0), "JSON object");
        headerRefused(file("junk", "{nope}", 0), "not valid JSON");
        headerRefused(file("trailing", "{} {}", 0), "not valid JSON");
        headerRefused(file("deep", "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}", 0), "deeper");
        headerRefused(file("surrogate", "{\"\\ud800\":1}", 0), "surrogate");
    }

    @Test
    void duplicateKeys() throws IOException {
        headerRefused(file("dup", "{" + entry("w", "F32", "[1]", 0, 4) + "," + entry("w", "F32", "[1]", 4, 8) + "}", 8),
                "duplicate key \"w\"");
    }

    @Test
    void unknownOrUnsupportedDtypes() throws IOException {
        headerRefused(file("unknown", "{" + entry("w", "F99", "[1]", 0, 4) + "}", 4), "'w'", "unknown dtype 'F99'");
        headerRefused(file("fp8", "{" + entry("w", "F8_E4M3", "[1]", 0, 1) + "}", 1), "'w'", "F8_E4M3 is not supported");
        headerRefused(file("notstring", "{\"w\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "'w'", "dtype");
        headerRefused(file("extra", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4), "'w'",
                "unknown field 'x'");
        headerRefused(file("notobject", "{\"w\":[1,2]}", 0), "'w'");
    }

    @Test
    void negativeFractionalOrOverflowingDimensions() throws IOException {
        headerRefused(file("negative", "{" + entry("w", "F32", "[-1]", 0, 4) + "}", 4), "'w'", "non-negative");
        headerRefused(file("fraction", "{" + entry("w", "F32", "[1.5]", 0, 4) + "}", 4), "'w'", "non-negative integer");
        headerRefused(file("big", "{" + entry("w", "F32", "[4294967296]", 0, 4) + "}", 4), "'w'", "4294967296");
        headerRefused(file("overflow", "{" + entry("w", "F64", "[2147483647,2147483647,2147483647]", 0, 8) + "}", 8), "'w'");
        headerRefused(file("toomany", "{" + entry("w", "BOOL", "[65536,65536]", 0, 1) + "}", 1), "'w'", "elements");
        headerRefused(file("digits", "{" + entry("w", "F32", "[1" + "0".repeat(500) + "]", 0, 4) + "}", 4));
    }

    @Test
    void shapeTimesDtypeSizeMustBeTheRange() throws IOException {
        headerRefused(file("size", "{" + entry("w", "F32", "[3]", 0, 8) + "}", 8), "'w'", "12 bytes", "span 8");
        headerRefused(file("reversed", "{" + entry("w", "F32", "[0]", 8, 4) + "}", 8), "'w'", "end before");
        headerRefused(file("negoffset", "{" + entry("w", "F32", "[1]", -4, 0) + "}", 4), "'w'");
        headerRefused(file("hugeoffset", "{" + entry("w", "F32", "[1]", Long.MAX_VALUE - 3, Long.MAX_VALUE + 1) + "}", 4), "'w'");
        headerRefused(file("oneoffset", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4), "'w'", "two integers");
    }

    @Test
    void rangesOutOfBoundsOverlappingWithGapsOrNotCoveringTheData() throws IOException {
        headerRefused(file("oob", "{" + entry("w", "F32", "[4]", 0, 16) + "}", 8), "'w'", "runs past");
        headerRefused(file("overlap", "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", 12),
                "'b'", "overlaps");
        headerRefused(file("gap", "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}", 12),
                "'b'", "gap");
        headerRefused(file("start", "{" + entry("a", "F32", "[1]", 4, 8) + "}", 8), "'a'", "gap");
        headerRefused(file("trailing", "{" + entry("a", "F32", "[1]", 0, 4) + "}", 12), "cover 4 bytes", "12 bytes");
        headerRefused(file("twice", "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 0, 4) + "}", 4),
                "overlaps");
    }

    @Test
    void metadataValuesMustBeStrings() throws IOException {
        headerRefused(file("meta", "{\"__metadata__\":{\"epoch\":3}}", 0), "__metadata__", "'epoch'", "not a string");
        headerRefused(file("meta2", "{\"__metadata__\":[\"a\"]}", 0), "__metadata__");
    }

    @Test
    void truncatedData() throws IOException {
        Path f = file("trunc", "{" + entry("a", "F64", "[4]", 0, 32) + "}", 31);
        headerRefused(f, "'a'", "runs past");
    }

    @Test
    void boolBytesAreZeroOrOne() throws IOException {
        Path f = Fixtures.write(dir.resolve("bool"), "{" + entry("flags", "BOOL", "[3]", 0, 3) + "}", new byte[] {1, 0, 2});
        refused(f, "'flags'", "byte 2");
    }

    @Test
    void aMissingFileIsAKilnErrorNamingIt() {
        refused(dir.resolve("missing.safetensors"), "NoSuchFile");
    }

    @Test
    void controlCharactersAndBadEscapesInTheHeader() throws IOException {
        headerRefused(file("ctl", "{\"a\nb\":1}", 0), "control character");
        headerRefused(file("esc", "{\"\\q\":1}", 0), "escape");
        headerRefused(Fixtures.raw(dir.resolve("nul"), Fixtures.withLength(8, "{\"\u0000\":1}".getBytes(StandardCharsets.UTF_8))));
    }
}
