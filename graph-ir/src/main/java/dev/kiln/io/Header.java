package dev.kiln.io;

import dev.kiln.KilnException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors header, read and checked in full before any tensor is allocated: every rule the
 * format has (and the ones other parsers have shipped out-of-bounds reads and overflows for) ends
 * in a {@link KilnException} naming the file and the entry.
 *
 * @param metadata the {@code __metadata__} map, or null when the file has none
 * @param entries the tensors in file-offset order
 * @param dataStart where the data section starts in the file (8 + the header length)
 */
record Header(Map<String, String> metadata, List<Entry> entries, long dataStart) {
    /** The reference's cap on the header's length. */
    static final long MAX_HEADER_BYTES = 100_000_000;

    /** One tensor: its file dtype name, shape and byte range within the data section. */
    record Entry(String name, FileType type, int[] shape, long begin, long end) {
        long numel() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** Reads and checks the header of {@code file}, open on {@code ch}. */
    static Header read(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        String torch = torchSave(ch, size);
        if (torch != null) {
            throw fail(file, "this looks like a torch.save (pickle/zip) file: " + torch + ". Kiln reads safetensors; save it as"
                    + " safetensors in Python: from safetensors.torch import save_file; save_file(model.state_dict(), path)");
        }
        if (size < 8) {
            throw fail(file, "the file is " + size + " bytes; a safetensors file starts with an 8-byte header length");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0);
        long n = len.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw fail(file, "the header length " + Long.toUnsignedString(n) + " is above the format's cap of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (n > size - 8) {
            throw fail(file, "the header length " + n + " runs past the end of the file (" + size + " bytes)");
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) n);
        readFully(ch, bytes, 8);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes.flip()).toString();
        } catch (CharacterCodingException e) {
            throw fail(file, "the header is not valid UTF-8", e);
        }
        if (!text.startsWith("{")) {
            throw fail(file, "the header does not start with a JSON object ('{')");
        }
        Object json;
        try {
            json = Json.parse(text);
        } catch (Json.SyntaxError e) {
            throw fail(file, "the header is not valid JSON: " + e.getMessage(), e);
        }
        if (!(json instanceof Map<?, ?> top)) {
            throw fail(file, "the header is not a JSON object");
        }
        Map<String, String> metadata = null;
        List<Entry> entries = new ArrayList<>();
        for (var e : top.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                metadata = metadata(file, e.getValue());
            } else {
                entries.add(entry(file, name, e.getValue()));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long dataLength = size - 8 - n;
        long at = 0;
        for (Entry en : entries) {
            if (en.begin() < at) {
                throw fail(file, en, "its byte range [" + en.begin() + ", " + en.end() + ") overlaps the entry before it, which ends at " + at);
            }
            if (en.begin() > at) {
                throw fail(file, en, "its byte range starts at " + en.begin() + ", leaving a gap after byte " + at
                        + " (entries must cover the data section exactly, in order)");
            }
            if (en.end() > dataLength) {
                throw fail(file, en, "its byte range [" + en.begin() + ", " + en.end() + ") runs past the data section's "
                        + dataLength + " bytes (the file is truncated or the offsets are wrong)");
            }
            at = en.end();
        }
        if (at != dataLength) {
            throw fail(file, "the entries cover " + at + " bytes of the data section, which is " + dataLength + " bytes");
        }
        return new Header(metadata, List.copyOf(entries), 8 + n);
    }

    private static Map<String, String> metadata(Path file, Object value) {
        if (!(value instanceof Map<?, ?> m)) {
            throw fail(file, "__metadata__ is not a JSON object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw fail(file, "__metadata__ entry '" + e.getKey() + "' is " + describe(e.getValue())
                        + ", not a string");
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static final Set<String> FIELDS = Set.of("dtype", "shape", "data_offsets");

    private static Entry entry(Path file, String name, Object value) {
        if (!(value instanceof Map<?, ?> m)) {
            throw fail(file, name, "it is " + describe(value) + ", not an object with dtype, shape and data_offsets");
        }
        for (Object k : m.keySet()) {
            if (!FIELDS.contains(k)) {
                throw fail(file, name, "unknown field '" + k + "'");
            }
        }
        if (!(m.get("dtype") instanceof String dtype)) {
            throw fail(file, name, "dtype is " + describe(m.get("dtype")) + ", not a string");
        }
        FileType type = FileType.named(dtype);
        if (type == null) {
            throw fail(file, name, FileType.known(dtype)
                    ? "dtype " + dtype + " is not supported by Kiln (it reads " + FileType.supported() + ")"
                    : "unknown dtype '" + dtype + "'");
        }
        if (!(m.get("shape") instanceof List<?> dims)) {
            throw fail(file, name, "shape is " + describe(m.get("shape")) + ", not an array of sizes");
        }
        int[] shape = new int[dims.size()];
        long numel = 1;
        for (int k = 0; k < shape.length; k++) {
            if (!(dims.get(k) instanceof BigInteger d) || d.signum() < 0) {
                throw fail(file, name, "dimension " + k + " of the shape is " + describe(dims.get(k))
                        + ", not a non-negative integer");
            }
            if (d.bitLength() > 31) {
                throw fail(file, name, "dimension " + k + " of the shape, " + d + ", is above Kiln's limit of "
                        + Integer.MAX_VALUE);
            }
            shape[k] = d.intValue();
            numel = numel == 0 || shape[k] == 0 ? 0 : multiply(file, name, numel, shape[k]);
        }
        if (numel > Integer.MAX_VALUE) {
            throw fail(file, name, "its " + numel + " elements are more than one Kiln tensor holds ("
                    + Integer.MAX_VALUE + ")");
        }
        if (!(m.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2
                || !(offsets.get(0) instanceof BigInteger b) || !(offsets.get(1) instanceof BigInteger e)) {
            throw fail(file, name, "data_offsets is " + describe(m.get("data_offsets"))
                    + ", not an array of two integers");
        }
        if (b.signum() < 0 || e.signum() < 0 || b.bitLength() > 62 || e.bitLength() > 62) {
            throw fail(file, name, "data_offsets [" + b + ", " + e + "] are negative or beyond any file");
        }
        long begin = b.longValue();
        long end = e.longValue();
        if (end < begin) {
            throw fail(file, name, "data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        long bytes = numel * type.bytes(); // numel <= 2^31 - 1 and bytes <= 8: no overflow
        if (end - begin != bytes) {
            throw fail(file, name, "shape " + java.util.Arrays.toString(shape) + " of " + dtype + " is " + bytes
                    + " bytes, but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new Entry(name, type, shape, begin, end);
    }

    private static long multiply(Path file, String name, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException x) {
            throw fail(file, "entry '" + name + "': the shape's element count overflows", x);
        }
    }

    private static String describe(Object v) {
        return switch (v) {
            case null -> "null (or missing)";
            case String s -> "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "an array of " + l.size();
            default -> String.valueOf(v);
        };
    }

    /**
     * What {@code torch.save} wrote, if the file starts as its output does — a zip archive (PyTorch's
     * format since 1.6; the first entry is {@code <name>/data.pkl}) or a bare pickle of protocol 2 or
     * later (the legacy format) — and not as a safetensors file (whose ninth byte opens its JSON header);
     * else null.
     */
    private static String torchSave(FileChannel ch, long size) throws IOException {
        if (size < 2) {
            return null;
        }
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, 96)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, head, 0);
        if (head.limit() > 8 && head.get(8) == '{') {
            return null;
        }
        if (head.limit() >= 4 && head.getInt(0) == 0x04034b50) {
            if (head.limit() >= 30) {
                int nameLength = Short.toUnsignedInt(head.getShort(26));
                if (30 + nameLength <= head.limit()) {
                    String first = new String(head.array(), 30, nameLength, StandardCharsets.UTF_8);
                    return "a zip archive whose first entry is " + first;
                }
            }
            return "a zip archive";
        }
        int protocol = head.get(1);
        if (head.get(0) == (byte) 0x80 && protocol >= 2 && protocol <= 5) {
            return "a Python pickle (protocol " + protocol + ", torch.save's legacy format)";
        }
        return null;
    }

    static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position + buf.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    static KilnException fail(Path file, String what) {
        return new KilnException(file + ": not a valid safetensors file: " + what);
    }

    static KilnException fail(Path file, String what, Throwable cause) {
        return new KilnException(file + ": not a valid safetensors file: " + what, cause);
    }

    static KilnException fail(Path file, String entry, String what) {
        return fail(file, "entry '" + entry + "': " + what);
    }

    static KilnException fail(Path file, Entry entry, String what) {
        return fail(file, entry.name(), what);
    }
}
