package dev.kiln.io;

import dev.kiln.Device;
import dev.kiln.KilnException;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tensors;
import dev.kiln.spi.TensorData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format, which PyTorch and Hugging Face users exchange weights in: an 8-byte
 * little-endian header length N, N bytes of JSON (per tensor its {@code dtype}, {@code shape} and
 * {@code data_offsets} in the data section; an optional {@code __metadata__} map of strings),
 * padded with spaces to a multiple of 8, then the tensors' bytes, little-endian and row-major,
 * with no gaps.
 *
 * <p>Saving writes F64, F32, I64, I32 and BOOL, in the reference writer's order (by dtype, then by
 * name; compact JSON with {@code __metadata__} first, its keys sorted), so that the file is byte
 * for byte the one the reference writes for the same tensors; a view is written as its values, a
 * tensor registered under two names under each. The file appears whole or not at all (see
 * {@link AtomicWrite}). Loading checks the whole header before it allocates anything, maps the
 * file rather than reading it onto the heap, and reads F16 and BF16 as float32, U8, I8, I16 and
 * U16 as int32, U32 as int64.
 */
public final class Safetensors {
    private Safetensors() {
    }

    /**
     * Writes {@code tensors} to {@code path}, without metadata, as the safetensors library's {@code save_file}.
     *
     * @param path the file to write (replaced atomically)
     * @param tensors the tensors by name (detached, copied to the host and made contiguous as written)
     * @throws KilnException if an argument or a tensor is null, a tensor is symbolic or named
     *     {@code __metadata__}, or the file cannot be written
     */
    public static void save(Path path, Map<String, Tensor> tensors) {
        save(path, tensors, null);
    }

    /**
     * Writes {@code tensors} and the string map {@code metadata} (as {@code __metadata__}; null for none) to {@code path}.
     *
     * @param path the file to write (replaced atomically)
     * @param tensors the tensors by name (detached, copied to the host and made contiguous as written)
     * @param metadata string entries for {@code __metadata__}, or null for none
     * @throws KilnException if {@code path}, {@code tensors}, a tensor or a metadata key or value is null, a
     *     tensor is symbolic or named {@code __metadata__}, the header exceeds the format's cap, or the file
     *     cannot be written
     */
    public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        if (path == null || tensors == null) {
            throw new KilnException("Safetensors.save: the path and the tensors must not be null");
        }
        List<Out> outs = new ArrayList<>(tensors.size());
        tensors.forEach((name, t) -> outs.add(prepare(path, name, t)));
        // the reference writer's order: dtype descending (its declaration order), then name by UTF-8 bytes
        outs.sort(Comparator.comparingInt((Out o) -> -o.type.rank()).thenComparing((a, b) -> Arrays.compareUnsigned(a.utf8, b.utf8)));
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null) {
            Map<String, Object> sorted = new TreeMap<>((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8),
                    b.getBytes(StandardCharsets.UTF_8)));
            metadata.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw new KilnException("Safetensors.save " + path + ": metadata keys and values must not be null");
                }
                sorted.put(k, v);
            });
            header.put("__metadata__", sorted);
        }
        long offset = 0;
        for (Out o : outs) {
            long bytes = o.numel() * o.type.bytes();
            header.put(o.name, info(o.type.name(), o.data.shape().toArray(), offset, offset + bytes));
            offset += bytes;
        }
        byte[] json = Json.write(new StringBuilder(), header).toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        if (padded > Header.MAX_HEADER_BYTES) {
            throw new KilnException("Safetensors.save " + path + ": the header would be " + padded
                    + " bytes, above the format's cap of " + Header.MAX_HEADER_BYTES);
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (AtomicWrite w = new AtomicWrite(path)) {
            buf.putLong(padded);
            w.write(buf.flip());
            buf.clear();
            ByteBuffer head = ByteBuffer.allocate(padded);
            head.put(json);
            while (head.hasRemaining()) {
                head.put((byte) ' ');
            }
            w.write(head.flip());
            for (Out o : outs) {
                Encoding.write(o.data, buf, w);
            }
            if (buf.position() > 0) {
                w.write(buf.flip());
            }
            w.commit();
        } catch (IOException e) {
            throw ioFailure("could not write", path, e);
        }
    }

    private static Map<String, Object> info(String dtype, int[] shape, long begin, long end) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dtype", dtype);
        List<Object> dims = new ArrayList<>();
        for (int d : shape) {
            dims.add(d);
        }
        m.put("shape", dims);
        m.put("data_offsets", List.of(begin, end));
        return m;
    }

    /** One tensor to write: its name, the file dtype and a contiguous value. */
    private record Out(String name, byte[] utf8, FileType type, TensorData data) {
        long numel() {
            return data.shape().numelLong();
        }
    }

    private static Out prepare(Path path, String name, Tensor t) {
        if (name == null || name.equals("__metadata__")) {
            throw new KilnException("Safetensors.save " + path + ": a tensor cannot be named " + name);
        }
        if (t == null || t.isSymbolic()) {
            throw new KilnException("Safetensors.save " + path + ": entry '" + name + "' is "
                    + (t == null ? "null" : "a symbolic tensor (inside a traced function); save outside it"));
        }
        Tensor value;
        try (var noGrad = Kiln.noGrad()) {
            value = t.detach();
            if (!value.device().equals(Device.CPU)) {
                value = value.to(Device.CPU);
            }
            value = value.contiguous(); // a view or a transposed tensor is written as its values
        }
        return new Out(name, name.getBytes(StandardCharsets.UTF_8), FileType.of(value.dtype()), Tensors.data(value));
    }

    /**
     * The tensors of the file at {@code path} on {@code device}, as the safetensors library's
     * {@code load_file(path, device)}: read on the host, then moved by the device's backend.
     *
     * @param path the safetensors file
     * @param device the device to put the tensors on
     * @return the tensors by name, in file-offset order (unmodifiable)
     * @throws KilnException if the file cannot be read or is not valid safetensors
     */
    public static Map<String, Tensor> load(Path path, Device device) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        load(path).forEach((name, t) -> out.put(name, t.to(device)));
        return Collections.unmodifiableMap(out);
    }

    /**
     * The tensors of the file at {@code path}, in file-offset order, each on its own heap storage (the CPU),
     * as the safetensors library's {@code load_file(path)}.
     *
     * @param path the safetensors file
     * @return the tensors by name, in file-offset order (unmodifiable)
     * @throws KilnException if {@code path} is null, or the file cannot be read or is not valid safetensors
     */
    public static Map<String, Tensor> load(Path path) {
        try (FileChannel ch = open(path)) {
            Header h = Header.read(path, ch);
            long length = ch.size() - h.dataStart();
            Map<String, Tensor> out = new LinkedHashMap<>();
            // The data section is mapped, not read: each tensor's bytes go once, straight into its array.
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = length == 0 ? MemorySegment.NULL
                        : ch.map(FileChannel.MapMode.READ_ONLY, h.dataStart(), length, arena);
                for (Header.Entry e : h.entries()) {
                    TensorData d = TensorData.allocate(Shape.of(e.shape()), e.type().kiln());
                    Encoding.read(path, e, data, d);
                    out.put(e.name(), Tensors.wrap(d));
                }
            }
            return Collections.unmodifiableMap(out);
        } catch (IOException e) {
            throw ioFailure("could not read", path, e);
        }
    }

    /**
     * The {@code __metadata__} of the file at {@code path} (empty if it has none); the whole header is checked.
     *
     * @param path the safetensors file
     * @return the metadata, unmodifiable
     * @throws KilnException if {@code path} is null, or the file cannot be read or its header is not valid
     */
    public static Map<String, String> metadata(Path path) {
        try (FileChannel ch = open(path)) {
            Header h = Header.read(path, ch);
            return h.metadata() == null ? Map.of() : Collections.unmodifiableMap(h.metadata());
        } catch (IOException e) {
            throw ioFailure("could not read", path, e);
        }
    }

    private static FileChannel open(Path path) throws IOException {
        if (path == null) {
            throw new KilnException("Safetensors: the path must not be null");
        }
        return FileChannel.open(path, StandardOpenOption.READ);
    }

    static KilnException ioFailure(String what, Path path, IOException e) {
        return new KilnException(what + " " + path + ": " + e, e);
    }

    /** Little-endian element encodings, from and to Kiln's heap arrays. */
    private static final class Encoding {
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        /** Fills {@code d} (fresh, contiguous) from entry {@code e}'s bytes in the data section. */
        static void read(Path path, Header.Entry e, MemorySegment data, TensorData d) {
            int n = (int) e.numel();
            long at = e.begin();
            Object array = d.storage().array();
            switch (e.type()) {
                case F32 -> MemorySegment.copy(data, F32, at, (float[]) array, 0, n);
                case F64 -> MemorySegment.copy(data, F64, at, (double[]) array, 0, n);
                case I64 -> MemorySegment.copy(data, I64, at, (long[]) array, 0, n);
                case I32 -> MemorySegment.copy(data, I32, at, (int[]) array, 0, n);
                case U32 -> {
                    long[] a = (long[]) array;
                    for (int i = 0; i < n; i++) {
                        a[i] = data.get(I32, at + 4L * i) & 0xFFFF_FFFFL;
                    }
                }
                case F16 -> {
                    float[] a = (float[]) array;
                    for (int i = 0; i < n; i++) {
                        a[i] = Float.float16ToFloat(data.get(I16, at + 2L * i));
                    }
                }
                case BF16 -> {
                    float[] a = (float[]) array;
                    for (int i = 0; i < n; i++) {
                        a[i] = Float.intBitsToFloat((data.get(I16, at + 2L * i) & 0xFFFF) << 16);
                    }
                }
                case I16, U16 -> {
                    int[] a = (int[]) array;
                    int mask = e.type() == FileType.U16 ? 0xFFFF : -1;
                    for (int i = 0; i < n; i++) {
                        a[i] = data.get(I16, at + 2L * i) & mask;
                    }
                }
                case I8, U8 -> {
                    int[] a = (int[]) array;
                    int mask = e.type() == FileType.U8 ? 0xFF : -1;
                    for (int i = 0; i < n; i++) {
                        a[i] = data.get(ValueLayout.JAVA_BYTE, at + i) & mask;
                    }
                }
                case BOOL -> {
                    boolean[] a = (boolean[]) array;
                    for (int i = 0; i < n; i++) {
                        byte b = data.get(ValueLayout.JAVA_BYTE, at + i);
                        if (b != 0 && b != 1) {
                            throw Header.fail(path, e, "element " + i + " is the byte " + (b & 0xFF) + "; a BOOL is 0 or 1");
                        }
                        a[i] = b == 1;
                    }
                }
            }
        }

        /** Appends {@code d}'s values (contiguous, from its layout's offset) through {@code buf}, flushing to {@code w} when full. */
        static void write(TensorData d, ByteBuffer buf, AtomicWrite w) throws IOException {
            int n = d.shape().numel();
            int off = d.layout().offset();
            int size = d.dtype().byteSize();
            Object array = d.storage().array();
            for (int done = 0; done < n; ) {
                if (buf.remaining() < size) {
                    w.write(buf.flip());
                    buf.clear();
                }
                int k = Math.min(n - done, buf.remaining() / size);
                int from = off + done;
                switch (d.dtype()) {
                    case FLOAT32 -> buf.asFloatBuffer().put((float[]) array, from, k);
                    case FLOAT64 -> buf.asDoubleBuffer().put((double[]) array, from, k);
                    case INT64 -> buf.asLongBuffer().put((long[]) array, from, k);
                    case INT32 -> buf.asIntBuffer().put((int[]) array, from, k);
                    case BOOL -> {
                        boolean[] a = (boolean[]) array;
                        for (int i = 0; i < k; i++) {
                            buf.put(buf.position() + i, (byte) (a[from + i] ? 1 : 0));
                        }
                    }
                }
                buf.position(buf.position() + k * size);
                done += k;
            }
        }
    }
}
