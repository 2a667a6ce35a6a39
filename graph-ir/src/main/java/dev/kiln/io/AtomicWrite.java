package dev.kiln.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A file written whole or not at all: the bytes go to a temporary file in the target's directory
 * (so the rename stays on one file system), which is forced to disk and then renamed over the
 * target, and the directory is forced too. A crash at any point leaves the previous file intact
 * under the target's name; at worst a stray {@code .<name>.*.tmp} file remains beside it.
 */
final class AtomicWrite implements AutoCloseable {
    /**
     * Test-only: a JVM started with {@code -Dkiln.io.haltAfterBytes=k} halts (as a crash or a
     * power cut would stop it) once a save has written k bytes, before it can rename anything.
     */
    private static final long HALT_AFTER = Long.getLong("kiln.io.haltAfterBytes", -1);

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private long written;
    private boolean committed;

    AtomicWrite(Path target) throws IOException {
        this.target = target.toAbsolutePath();
        Path dir = this.target.getParent();
        this.temp = create(dir, "." + this.target.getFileName() + ".");
        if (Files.exists(this.target)) { // a replaced file keeps its permissions
            try {
                Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(this.target));
            } catch (UnsupportedOperationException | IOException e) {
                // not a POSIX file system, or not ours to read: the new file keeps the default ones
            }
        }
        this.channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * A new file {@code <prefix><random>.tmp} with the file system's default permissions (as any
     * new file, not {@code createTempFile}'s owner-only ones: the checkpoint is renamed from it).
     */
    private static Path create(Path dir, String prefix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve(prefix + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                return Files.createFile(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    /** Writes all of {@code buf}'s remaining bytes. */
    void write(ByteBuffer buf) throws IOException {
        if (HALT_AFTER >= 0 && written + buf.remaining() >= HALT_AFTER) {
            buf.limit(buf.position() + (int) (HALT_AFTER - written));
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(true);
            Runtime.getRuntime().halt(86);
        }
        while (buf.hasRemaining()) {
            written += channel.write(buf);
        }
    }

    /** Forces the bytes to disk and renames the file over the target. */
    void commit() throws IOException {
        channel.force(true);
        channel.close();
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        committed = true;
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true); // the rename itself, on file systems that allow syncing a directory
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform opens directories; the data is already on disk
        }
    }

    @Override
    public void close() throws IOException {
        if (!committed) {
            channel.close();
            Files.deleteIfExists(temp);
        }
    }
}
