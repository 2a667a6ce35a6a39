package dev.kiln.tests.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.io.tensorboard.EventFile;
import dev.kiln.io.tensorboard.Histogram;
import dev.kiln.io.tensorboard.SummaryWriter;
import dev.kiln.nn.Linear;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TensorBoard event files: written by SummaryWriter, read back by Kiln's EventFile, framing checked byte by byte. */
class SummaryWriterTest {
    @TempDir
    Path dir;

    @Test
    void scalarsHistogramsTextAndGraphReadBack() {
        Sequential model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
        Path file;
        try (SummaryWriter w = new SummaryWriter(dir.resolve("run1"))) {
            file = w.file();
            assertTrue(file.getFileName().toString().startsWith("events.out.tfevents."), file.toString());
            for (int step = 0; step < 3; step++) {
                w.addScalar("loss/train", 1.0 / (step + 1), step);
            }
            w.addScalar("lr", Tensor.of(0.25), 7);
            w.addHistogram("weights/0", Tensor.of(0.0, 1.0, 1.0, 2.0, 3.0, 3.0), 2);
            w.addText("notes", "**hello** Kiln", 0);
            w.addGraph(model, Shape.of(5, 4));
        }
        List<EventFile.Event> events = EventFile.read(file);
        assertEquals(8, events.size());
        assertEquals("brain.Event:2", events.get(0).fileVersion());
        for (int step = 0; step < 3; step++) {
            EventFile.Value v = events.get(1 + step).values().getFirst();
            assertEquals("loss/train", v.tag());
            assertEquals(step, events.get(1 + step).step());
            assertEquals((float) (1.0 / (step + 1)), v.simpleValue());
        }
        assertEquals(7, events.get(4).step());
        assertEquals(0.25, events.get(4).values().getFirst().simpleValue());

        Histogram h = events.get(5).values().getFirst().histogram();
        assertEquals(0, h.min());
        assertEquals(3, h.max());
        assertEquals(6, h.count());
        assertEquals(10, h.sum());
        assertEquals(24, h.sumSquares());
        assertEquals(30, h.limits().length);
        assertEquals(3, h.limits()[29]);
        assertEquals(6, java.util.Arrays.stream(h.counts()).sum());
        assertEquals(1, h.counts()[0]); // 0 alone in [0, 0.1); the two 3s in the last bucket
        assertEquals(2, h.counts()[29]);

        EventFile.Value text = events.get(6).values().getFirst();
        assertEquals("notes/text_summary", text.tag());
        assertEquals("text", text.plugin());
        assertEquals("**hello** Kiln", text.text());

        List<EventFile.GraphNode> nodes = EventFile.graphNodes(events.get(7).graphDef());
        List<String> names = nodes.stream().map(EventFile.GraphNode::name).toList();
        assertTrue(names.contains("input/x"), names.toString());
        assertTrue(names.contains("Sequential/Linear[0]/weight"), names.toString());
        assertTrue(names.contains("Sequential/Linear[2]/bias"), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("Sequential/ReLU[1]/")), names.toString());
        EventFile.GraphNode matmul = nodes.stream().filter(n -> n.name().startsWith("Sequential/Linear[0]/matMul")).findFirst().orElseThrow(() -> new AssertionError(names.toString()));
        assertTrue(matmul.inputs().contains("input/x"), matmul.toString());
        assertTrue(events.get(7).values().isEmpty());
    }

    @Test
    void recordsAreTfRecordsWithMaskedCrc32c() throws Exception {
        Path file;
        try (SummaryWriter w = new SummaryWriter(dir)) {
            file = w.file();
            w.addScalar("x", 1.5, 3);
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int records = 0;
        while (b.hasRemaining()) {
            byte[] len = new byte[8];
            b.get(len);
            assertEquals(masked(len), b.getInt());
            byte[] data = new byte[(int) ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong()];
            b.get(data);
            assertEquals(masked(data), b.getInt());
            records++;
        }
        assertEquals(2, records);
        // the CRC-32C check value of the standard's test vector
        CRC32C crc = new CRC32C();
        crc.update("123456789".getBytes());
        assertEquals(0xE3069283L, crc.getValue());
    }

    /** TensorFlow's masked CRC, written here from its definition (crc >> 15 | crc << 17) + 0xa282ead8. */
    private static int masked(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        long c = crc.getValue();
        return (int) ((((c >>> 15) | (c << 17)) + 0xa282ead8L) & 0xFFFFFFFFL);
    }

    @Test
    void aCorruptOrTornFileIsAnErrorNamingTheRecord() throws Exception {
        Path file;
        try (SummaryWriter w = new SummaryWriter(dir)) {
            file = w.file();
            w.addScalar("x", 1.5, 3);
        }
        byte[] bytes = Files.readAllBytes(file);
        byte[] corrupt = bytes.clone();
        corrupt[corrupt.length - 6] ^= 1;
        Files.write(file, corrupt);
        KilnException e = assertThrows(KilnException.class, () -> EventFile.read(file));
        assertTrue(e.getMessage().contains("record 1: the data's CRC does not match"), e.getMessage());
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        e = assertThrows(KilnException.class, () -> EventFile.read(file));
        assertTrue(e.getMessage().contains("record 1 is cut short"), e.getMessage());
    }

    @Test
    void misuseIsRefused() throws Exception {
        try (SummaryWriter w = new SummaryWriter(dir)) {
            KilnException e = assertThrows(KilnException.class, () -> w.addScalar("", 1, 0));
            assertTrue(e.getMessage().contains("a tag is a non-empty string"), e.getMessage());
            e = assertThrows(KilnException.class, () -> w.addScalar("t", Tensor.of(1.0, 2.0), 0));
            assertTrue(e.getMessage().contains("expected a one-element tensor, got shape [2]"), e.getMessage());
            // addText checks its tag as the other adds do (before, "" was written as the tag "/text_summary")
            long size = Files.size(w.file());
            for (String tag : new String[] {"", null}) {
                e = assertThrows(KilnException.class, () -> w.addText(tag, "notes", 0));
                assertTrue(e.getMessage().contains("a tag is a non-empty string"), e.getMessage());
            }
            e = assertThrows(KilnException.class, () -> w.addText("notes", null, 0));
            assertTrue(e.getMessage().contains("text must not be null"), e.getMessage());
            assertEquals(size, Files.size(w.file()), "nothing was written");
            e = assertThrows(KilnException.class, () -> w.addHistogram("h", Tensor.of(1.0, Double.NaN), 0));
            assertTrue(e.getMessage().contains("not all finite"), e.getMessage());
            w.close();
            e = assertThrows(KilnException.class, () -> w.addScalar("t", 1, 0));
            assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        }
    }
}
