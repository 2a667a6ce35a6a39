package dev.kiln.tests.data;

import static dev.kiln.tests.data.IdxFiles.gzip;
import static dev.kiln.tests.data.IdxFiles.idx;
import static dev.kiln.tests.data.IdxFiles.images;
import static dev.kiln.tests.data.IdxFiles.labels;

import dev.kiln.KilnException;
import dev.kiln.data.Idx;
import dev.kiln.tests.Props;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.generators.Generate;

/**
 * 1,000 mutated IDX files, plain and gzip (truncations, bit flips in the header and the data, huge or
 * wrong dimensions, garbage appended, the compressed bytes themselves damaged): each read under a
 * 5-second guard must end in a KilnException or a tensor — never another exception, an OutOfMemoryError
 * or a hang. Replay a failure with {@code -Dkiln.seed=N} as {@link Props} says.
 */
class IdxFuzzProperties {
    private static final byte[][] BASES = {images(3, 4, 5), labels(7), idx(0x0B, new int[] {2, 3}, new double[] {1, -2, 3, -4, 5, -6}),
            idx(0x0E, new int[] {1, 2, 1, 2}, new double[] {0.5, -1, 2, 1e300}), idx(0x0D, new int[0], new double[] {3})};

    @TempDir
    Path dir;

    private final ExecutorService guard = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "idx-fuzz");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void stop() {
        guard.shutdownNow();
    }

    @Test
    void mutatedFilesEndInATensorOrAKilnException() {
        int[] outcome = new int[2];
        Props.check("idx fuzz", 1000, Generate.longRange(0, Long.MAX_VALUE), seed -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            byte[] base = BASES[rnd.nextInt(BASES.length)];
            boolean gz = rnd.nextBoolean();
            byte[] bytes = mutate(base, rnd);
            if (gz) {
                bytes = rnd.nextInt(4) == 0 ? mutateCompressed(gzip(bytes), rnd) : gzip(bytes);
            }
            Path f = dir.resolve("fuzz");
            try {
                Files.write(f, bytes);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            Future<?> read = guard.submit(() -> rnd.nextBoolean() ? Idx.read(f) : Idx.readImages(f));
            try {
                read.get(5, TimeUnit.SECONDS);
                outcome[0]++;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof KilnException)) {
                    throw new AssertionError("case " + seed + " (gzip " + gz + "): " + e.getCause(), e.getCause());
                }
                outcome[1]++;
            } catch (TimeoutException | InterruptedException e) {
                throw new AssertionError("case " + seed + ": no answer within 5 s");
            }
        });
        System.out.println("idx fuzz: " + outcome[0] + " read, " + outcome[1] + " refused");
    }

    private static byte[] mutate(byte[] base, SplittableRandom rnd) {
        byte[] b = base.clone();
        int rounds = 1 + rnd.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            switch (rnd.nextInt(6)) {
                case 0 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                case 1 -> { // a bit flip in the magic or the dimensions
                    if (b.length > 0) {
                        int at = rnd.nextInt(Math.min(b.length, 24));
                        b[at] ^= (byte) (1 << rnd.nextInt(8));
                    }
                }
                case 2 -> { // a bit flip anywhere
                    if (b.length > 0) {
                        b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                    }
                }
                case 3 -> { // a dimension set to a huge, negative or off-by-one value
                    int rank = b.length >= 4 ? b[3] & 0xFF : 0;
                    if (rank > 0 && b.length >= 8) {
                        int k = rnd.nextInt(Math.min(rank, (b.length - 4) / 4));
                        int[] choices = {Integer.MAX_VALUE, -1, 0, 1 << 20, 46_341, 1 + ByteBuffer.wrap(b, 4 + 4 * k, 4).getInt()};
                        ByteBuffer.wrap(b).putInt(4 + 4 * k, choices[rnd.nextInt(choices.length)]);
                    }
                }
                case 4 -> { // the rank byte changed
                    if (b.length >= 4) {
                        b[3] = (byte) rnd.nextInt(256);
                    }
                }
                default -> b = Arrays.copyOf(b, b.length + 1 + rnd.nextInt(8));
            }
        }
        return b;
    }

    private static byte[] mutateCompressed(byte[] z, SplittableRandom rnd) {
        if (rnd.nextBoolean()) {
            return Arrays.copyOf(z, rnd.nextInt(z.length + 1));
        }
        byte[] b = z.clone();
        b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
        return b;
    }
}
