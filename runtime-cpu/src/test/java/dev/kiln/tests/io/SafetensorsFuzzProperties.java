package dev.kiln.tests.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.io.Safetensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed files, at least {@value #REJECTED} per run: truncations, bit flips in the header and its
 * length, huge lengths, overlapping and reordered ranges, JSON mutations. Each is loaded under a
 * 5-second guard and must end in a KilnException (or, for the few mutations that still make a
 * valid file, load) — never another exception, an OutOfMemoryError or a hang. The seed is new each
 * run and printed on failure; {@code -Dkiln.fuzz.seed=S} replays one.
 */
class SafetensorsFuzzProperties {
    static final int REJECTED = 1000;
    private static final int MAX_CASES = 4000;

    @TempDir
    Path dir;

    @Test
    void malformedFilesEndInAKilnExceptionWithinFiveSeconds() throws Exception {
        long seed = Long.getLong("kiln.fuzz.seed", System.nanoTime());
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[][] bases = new byte[6][];
        for (int b = 0; b < bases.length; b++) {
            bases[b] = validFile(rnd, b);
        }
        ExecutorService guard = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-load");
            t.setDaemon(true);
            return t;
        });
        int rejected = 0;
        int accepted = 0;
        int cases = 0;
        try {
            Path f = dir.resolve("fuzz.safetensors");
            while (rejected < REJECTED && cases < MAX_CASES) {
                cases++;
                byte[] base = bases[rnd.nextInt(bases.length)];
                StringBuilder how = new StringBuilder();
                byte[] bytes = mutate(base, rnd, how);
                Files.write(f, bytes);
                Future<?> load = guard.submit(() -> Safetensors.load(f));
                try {
                    load.get(5, TimeUnit.SECONDS);
                    accepted++;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof KilnException) {
                        rejected++;
                    } else {
                        throw new AssertionError("seed " + seed + ", case " + cases + " (" + how + "): " + e.getCause(), e.getCause());
                    }
                } catch (TimeoutException e) {
                    fail("seed " + seed + ", case " + cases + " (" + how + "): no answer within 5 s");
                }
            }
        } finally {
            guard.shutdownNow();
        }
        System.out.println("safetensors fuzz: seed " + seed + ", " + cases + " cases, " + rejected + " refused, " + accepted
                + " still valid");
        assertTrue(rejected >= REJECTED, "seed " + seed + ": only " + rejected + " of " + cases + " cases were malformed");
    }

    /** A valid file of a few tensors of mixed dtypes and shapes (0-d and empty ones too), some with metadata. */
    private byte[] validFile(SplittableRandom rnd, int which) throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        DType[] types = DType.values();
        int n = 1 + rnd.nextInt(5);
        for (int i = 0; i < n; i++) {
            int rank = rnd.nextInt(4);
            int[] dims = new int[rank];
            for (int d = 0; d < rank; d++) {
                dims[d] = rnd.nextInt(which == 0 && d == 0 ? 1 : 5);
            }
            Shape shape = Shape.of(dims);
            DType dtype = types[rnd.nextInt(types.length)];
            t.put("layer" + i + (rnd.nextBoolean() ? ".weight" : ".bias"), Tensor.full(shape, rnd.nextInt(3), dtype));
        }
        Path f = dir.resolve("base" + which + ".safetensors");
        Safetensors.save(f, t, which % 2 == 0 ? Map.of("format", "pt", "epoch", Integer.toString(which)) : null);
        return Files.readAllBytes(f);
    }

    private static byte[] mutate(byte[] base, SplittableRandom rnd, StringBuilder how) {
        byte[] b = base;
        int rounds = 1 + rnd.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            int n = headerLength(b);
            int kind = rnd.nextInt(9);
            switch (kind) {
                case 0 -> { // truncation
                    int at = rnd.nextInt(b.length + 1);
                    how.append("truncate at ").append(at).append("; ");
                    b = Arrays.copyOf(b, at);
                }
                case 1 -> { // a bit flip in the header
                    if (b.length > 8) {
                        int at = 8 + rnd.nextInt(Math.max(1, Math.min(n, b.length - 8)));
                        at = Math.min(at, b.length - 1);
                        b = b.clone();
                        b[at] ^= (byte) (1 << rnd.nextInt(8));
                        how.append("flip header byte ").append(at).append("; ");
                    }
                }
                case 2 -> { // a bit flip in the length
                    if (b.length >= 8) {
                        b = b.clone();
                        int bit = rnd.nextInt(64);
                        b[bit / 8] ^= (byte) (1 << (bit % 8));
                        how.append("flip length bit ").append(bit).append("; ");
                    }
                }
                case 3 -> { // a huge or slightly wrong length
                    long[] choices = {-1L, Long.MAX_VALUE, 1L << 32, 100_000_001L, n + 8L, n - 8L, 0, 1, 7};
                    long len = choices[rnd.nextInt(choices.length)];
                    b = setLength(b, len);
                    how.append("length ").append(len).append("; ");
                }
                case 4 -> { // offsets moved: overlaps, reorders, gaps, out of bounds
                    b = editHeader(b, h -> {
                        String[] parts = h.split("\"data_offsets\":\\[", -1);
                        if (parts.length < 2) {
                            return h;
                        }
                        StringBuilder sb = new StringBuilder(parts[0]);
                        for (int p = 1; p < parts.length; p++) {
                            sb.append("\"data_offsets\":[");
                            String rest = parts[p];
                            int close = rest.indexOf(']');
                            if (close >= 0 && rnd.nextInt(2) == 0) {
                                long s = rnd.nextInt(64) - 8;
                                long e = rnd.nextInt(3) == 0 ? Long.MAX_VALUE : s + rnd.nextInt(64);
                                rest = s + "," + e + rest.substring(close);
                            }
                            sb.append(rest);
                        }
                        return sb.toString();
                    });
                    how.append("offsets; ");
                }
                case 5 -> { // JSON: delete, insert or replace a character
                    b = editHeader(b, h -> {
                        if (h.isEmpty()) {
                            return "{";
                        }
                        int at = rnd.nextInt(h.length());
                        String alphabet = "{}[]\",:-.0123456789eE \\tfnu";
                        char c = alphabet.charAt(rnd.nextInt(alphabet.length()));
                        return switch (rnd.nextInt(3)) {
                            case 0 -> h.substring(0, at) + h.substring(at + 1);
                            case 1 -> h.substring(0, at) + c + h.substring(at);
                            default -> h.substring(0, at) + c + h.substring(at + 1);
                        };
                    });
                    how.append("json char; ");
                }
                case 6 -> { // JSON: numbers replaced by huge, negative or fractional ones
                    String[] numbers = {"-1", "4294967296", "9223372036854775808", "1e400", "2147483647", "0.5", "-0",
                            "99999999999999999999999999999"};
                    String num = numbers[rnd.nextInt(numbers.length)];
                    b = editHeader(b, h -> h.replaceFirst("(?<=[\\[,])\\d+(?=[\\],])", num));
                    how.append("number ").append(num).append("; ");
                }
                case 7 -> { // JSON: a duplicated entry, or one dtype swapped
                    String[] dtypes = {"F16", "I8", "U64", "F8_E5M2", "X", "BOOL", "F64"};
                    String d = dtypes[rnd.nextInt(dtypes.length)];
                    b = editHeader(b, h -> rnd.nextBoolean() ? h.replaceFirst("\"dtype\":\"[A-Z0-9_]+\"", "\"dtype\":\"" + d + "\"")
                            : h.replaceFirst("\\{(\"[^\"]+\":\\{[^}]*\\})", "{$1,$1"));
                    how.append("dtype or duplicate; ");
                }
                default -> { // garbage appended or the data section shortened
                    int k = 1 + rnd.nextInt(16);
                    b = rnd.nextBoolean() ? Arrays.copyOf(b, b.length + k) : Arrays.copyOf(b, Math.max(0, b.length - k));
                    how.append("resize by ").append(k).append("; ");
                }
            }
        }
        return b;
    }

    private static int headerLength(byte[] b) {
        if (b.length < 8) {
            return 0;
        }
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n < 0 || n > b.length - 8 ? Math.max(0, b.length - 8) : (int) n;
    }

    private static byte[] setLength(byte[] b, long n) {
        byte[] out = Arrays.copyOf(b, Math.max(8, b.length));
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
        return out;
    }

    /** Rewrites the header text and fixes the length to fit it (so the mutation reaches the parser). */
    private static byte[] editHeader(byte[] b, java.util.function.UnaryOperator<String> edit) {
        if (b.length < 8) {
            return b;
        }
        int n = headerLength(b);
        String h = new String(b, 8, n, StandardCharsets.ISO_8859_1);
        byte[] edited = edit.apply(h).getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(8 + edited.length + b.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(edited.length).put(edited).put(b, 8 + n, b.length - 8 - n);
        return out.array();
    }
}
