package dev.kiln.io.tensorboard;

import dev.kiln.KilnException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Kiln's reader of TensorBoard event files: what {@link SummaryWriter} (or TensorFlow, or PyTorch) wrote, CRCs checked. */
public final class EventFile {
    private EventFile() {
    }

    /**
     * One event: its wall time and step, and what it holds — the file's version (the first event), the
     * values of a summary, or a graph ({@code GraphDef} bytes).
     *
     * @param wallTime seconds since the Unix epoch when the event was written (0 if absent)
     * @param step the training step (0 if absent)
     * @param fileVersion the file's version, such as {@code "brain.Event:2"}, or null for other events
     * @param values the summary's values (empty for an event without a summary)
     * @param graphDef the serialized {@code GraphDef} of a graph event, or null
     */
    public record Event(double wallTime, long step, String fileVersion, List<Value> values, byte[] graphDef) {
    }

    /**
     * One summary value under {@code tag}: a scalar ({@code simpleValue}, else NaN), a histogram (else
     * null) or a text (else null); {@code plugin} names the plugin that shows it ("" for none).
     *
     * @param tag the value's tag ("" if absent)
     * @param simpleValue a scalar's value, or NaN if this is no scalar
     * @param histogram a histogram, or null
     * @param text a text summary's string (UTF-8 decoded), or null
     * @param plugin the name of the plugin that shows the value, or "" for none
     */
    public record Value(String tag, double simpleValue, Histogram histogram, String text, String plugin) {
    }

    /**
     * One node of a graph event's {@code GraphDef}: its name (scoped by module call), op and input names.
     *
     * @param name the node's name, such as {@code Sequential/Linear[7]/matmul_12}
     * @param op the node's op
     * @param inputs the names of the nodes it reads, in order
     */
    public record GraphNode(String name, String op, List<String> inputs) {
    }

    /**
     * The nodes of a graph event's {@code GraphDef} bytes ({@link Event#graphDef()}).
     *
     * @param graphDef a serialized {@code GraphDef}
     * @return its nodes, in order
     * @throws KilnException if the bytes are not a well-formed {@code GraphDef}
     */
    public static List<GraphNode> graphNodes(byte[] graphDef) {
        List<GraphNode> nodes = new ArrayList<>();
        try {
            for (Proto.Field n : Proto.read(graphDef).getOrDefault(1, List.of())) {
                Map<Integer, List<Proto.Field>> f = n.asMessage();
                nodes.add(new GraphNode(first(f, 1).asString(), first(f, 2).asString(),
                        f.getOrDefault(3, List.of()).stream().map(Proto.Field::asString).toList()));
            }
        } catch (IllegalArgumentException e) {
            throw new KilnException("EventFile.graphNodes: a malformed GraphDef: " + e.getMessage(), e);
        }
        return nodes;
    }

    /**
     * Every event of the file at {@code path}, in order; a corrupt or torn record is an error that names it.
     *
     * @param path an event file
     * @return its events, in file order
     * @throws KilnException if the file cannot be read, or a record is torn, fails its CRC or is malformed
     */
    public static List<Event> read(Path path) {
        List<Event> events = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path))) {
            for (byte[] record; (record = TfRecord.read(in, events.size())) != null;) {
                events.add(event(record, events.size()));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new KilnException("EventFile.read " + path + ": " + e.getMessage(), e);
        }
        return events;
    }

    private static Event event(byte[] record, int index) {
        Map<Integer, List<Proto.Field>> f = Proto.read(record);
        List<Value> values = new ArrayList<>();
        for (Proto.Field summary : f.getOrDefault(5, List.of())) {
            for (Proto.Field v : summary.asMessage().getOrDefault(1, List.of())) {
                values.add(value(v.asMessage()));
            }
        }
        return new Event(f.containsKey(1) ? first(f, 1).asDouble() : 0, f.containsKey(2) ? first(f, 2).bits() : 0,
                f.containsKey(3) ? first(f, 3).asString() : null, values, f.containsKey(4) ? first(f, 4).bytes() : null);
    }

    private static Value value(Map<Integer, List<Proto.Field>> v) {
        String tag = v.containsKey(1) ? first(v, 1).asString() : "";
        double simple = v.containsKey(2) ? first(v, 2).asDouble() : Double.NaN;
        Histogram histogram = null;
        if (v.containsKey(5)) {
            Map<Integer, List<Proto.Field>> h = first(v, 5).asMessage();
            histogram = new Histogram(num(h, 1), num(h, 2), num(h, 3), num(h, 4), num(h, 5), doubles(h, 6), doubles(h, 7));
        }
        String plugin = "";
        if (v.containsKey(9)) {
            Map<Integer, List<Proto.Field>> pluginData = first(first(v, 9).asMessage(), 1).asMessage();
            plugin = pluginData.containsKey(1) ? first(pluginData, 1).asString() : "";
        }
        String text = null;
        if (v.containsKey(8)) {
            List<Proto.Field> strings = first(v, 8).asMessage().getOrDefault(8, List.of());
            text = strings.isEmpty() ? "" : new String(strings.getFirst().bytes(), StandardCharsets.UTF_8);
        }
        return new Value(tag, simple, histogram, text, plugin);
    }

    private static Proto.Field first(Map<Integer, List<Proto.Field>> m, int field) {
        List<Proto.Field> l = m.get(field);
        if (l == null) {
            throw new IllegalArgumentException("field " + field + " is missing");
        }
        return l.getLast(); // protobuf: the last occurrence of a non-repeated field wins
    }

    private static double num(Map<Integer, List<Proto.Field>> m, int field) {
        return m.containsKey(field) ? first(m, field).asDouble() : 0;
    }

    private static double[] doubles(Map<Integer, List<Proto.Field>> m, int field) {
        return m.containsKey(field) ? first(m, field).asDoubles() : new double[0];
    }
}
