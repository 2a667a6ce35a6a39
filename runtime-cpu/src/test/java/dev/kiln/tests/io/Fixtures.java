package dev.kiln.tests.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-made safetensors files. */
final class Fixtures {
    private Fixtures() {
    }

    /** A file of {@code header} (padded with spaces to 8 bytes) and {@code data}. */
    static Path write(Path f, String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int n = (json.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(8 + n + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n).put(json);
        while (b.position() < 8 + n) {
            b.put((byte) ' ');
        }
        b.put(data);
        Files.write(f, b.array());
        return f;
    }

    /** A file of exactly these bytes. */
    static Path raw(Path f, byte[] bytes) throws IOException {
        Files.write(f, bytes);
        return f;
    }

    /** The 8-byte little-endian length {@code n} followed by {@code rest}. */
    static byte[] withLength(long n, byte[] rest) {
        return ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN).putLong(n).put(rest).array();
    }
}
