package dev.kiln.io.tensorboard;

import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Module;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a training run for TensorBoard, as PyTorch's {@code torch.utils.tensorboard.SummaryWriter}:
 * scalars, histograms, text and the model's graph go to one event file
 * ({@code events.out.tfevents.<time>.<host>.<pid>.0}) in the log directory, each event flushed as it
 * is added, so {@code tensorboard --logdir DIR} shows a run while it trains. Read a file back with
 * {@link EventFile#read}. Safe to share between threads.
 *
 * <p>A loss curve:
 * {@snippet file="ApiSnippets.java" region="summary-writer"}
 */
public final class SummaryWriter implements AutoCloseable {
    private final Path logDir;
    private final Path file;
    private final OutputStream out;
    private boolean closed;

    /**
     * A writer of a new event file in {@code logDir}, made if missing; the file's first event is its version.
     *
     * @param logDir the log directory ({@code log_dir}), created with its parents if missing
     * @throws KilnException if the directory or the file cannot be created
     */
    public SummaryWriter(Path logDir) {
        this.logDir = logDir;
        long now = System.currentTimeMillis();
        String host = System.getenv().getOrDefault("HOSTNAME", "localhost");
        this.file = logDir.resolve(String.format("events.out.tfevents.%010d.%s.%d.0", now / 1000, host, ProcessHandle.current().pid()));
        try {
            Files.createDirectories(logDir);
            this.out = new BufferedOutputStream(Files.newOutputStream(file));
        } catch (IOException e) {
            throw new KilnException("SummaryWriter: cannot create an event file in " + logDir + ": " + e.getMessage(), e);
        }
        write(event(now / 1000.0, 0).string(3, "brain.Event:2")); // every event file starts with its version
    }

    /**
     * The log directory.
     *
     * @return the directory given to the constructor
     */
    public Path logDir() {
        return logDir;
    }

    /**
     * The event file being written.
     *
     * @return the file's path, inside {@link #logDir()}
     */
    public Path file() {
        return file;
    }

    /**
     * {@code value} as the point {@code step} of the scalar curve {@code tag} (PyTorch's {@code add_scalar}).
     *
     * @param tag the curve's name (non-empty)
     * @param value the value, written as float32
     * @param step the training step
     * @throws KilnException if {@code tag} is null or empty, the writer is closed, or the file cannot be written
     */
    public void addScalar(String tag, double value, long step) {
        write(summary(step, value(tag).float32(2, (float) value)));
    }

    /**
     * A one-element tensor's value as a scalar point (its {@code item()}).
     *
     * @param tag the curve's name (non-empty)
     * @param value a tensor of one element
     * @param step the training step
     * @throws KilnException if {@code value} has another number of elements, {@code tag} is null or empty,
     *     the writer is closed, or the file cannot be written
     */
    public void addScalar(String tag, Tensor value, long step) {
        if (value.numel() != 1) {
            throw new KilnException("SummaryWriter.addScalar('" + tag + "'): expected a one-element tensor, got shape " + value.shape());
        }
        addScalar(tag, value.item(), step);
    }

    /**
     * The distribution of {@code values}' elements at {@code step} (PyTorch's {@code add_histogram}):
     * 30 equal-width buckets from the least to the greatest value, with the count, sum and sum of squares.
     *
     * @param tag the histogram's name (non-empty)
     * @param values the values, any shape
     * @param step the training step
     * @throws KilnException if {@code values} is empty or not all finite, {@code tag} is null or empty, the
     *     writer is closed, or the file cannot be written
     */
    public void addHistogram(String tag, Tensor values, long step) {
        if (values.numel() == 0) {
            throw new KilnException("SummaryWriter.addHistogram('" + tag + "'): the tensor is empty");
        }
        Histogram h = Histogram.of(values.detach().toDoubleArray(), 30);
        if (!Double.isFinite(h.sum())) {
            throw new KilnException("SummaryWriter.addHistogram('" + tag + "'): the values are not all finite (NaN or infinity)");
        }
        Proto.Writer histo = new Proto.Writer().float64(1, h.min()).float64(2, h.max()).float64(3, h.count()).float64(4, h.sum())
                .float64(5, h.sumSquares()).packedDoubles(6, h.limits()).packedDoubles(7, h.counts());
        write(summary(step, value(tag).message(5, histo)));
    }

    /**
     * {@code text} (Markdown, as TensorBoard renders it) under {@code tag} at {@code step} (PyTorch's {@code add_text});
     * as in PyTorch, the value's tag is {@code tag + "/text_summary"}.
     *
     * @param tag the text's name (non-empty)
     * @param text the text
     * @param step the training step
     * @throws KilnException if {@code tag} is null or empty, {@code text} is null, the writer is closed, or the file
     *     cannot be written
     */
    public void addText(String tag, String text, long step) {
        checkTag(tag);
        if (text == null) {
            throw new KilnException("SummaryWriter.addText('" + tag + "'): the text must not be null");
        }
        Proto.Writer metadata = new Proto.Writer().message(1, new Proto.Writer().string(1, "text"));
        // a scalar DT_STRING (7) tensor holding the text, as PyTorch writes it
        Proto.Writer tensor = new Proto.Writer().int64(1, 7).message(2, new Proto.Writer()).string(8, text);
        write(summary(step, value(tag + "/text_summary").message(9, metadata).message(8, tensor)));
    }

    /**
     * The graph of {@code model}'s forward on an input of {@code inputShape} (PyTorch's {@code add_graph}):
     * traced in the model's current mode on a symbolic input (nothing is computed), each node in the
     * name scope of the module call that made it ({@code Sequential/Linear[7]/matmul_12}), parameters
     * and buffers named by their place in the model ({@code 7.weight}).
     *
     * @param model the model whose forward is traced
     * @param inputShape the shape of the single input the forward is traced on
     * @throws KilnException if tracing fails, the writer is closed, or the file cannot be written
     */
    public void addGraph(Module model, Shape inputShape) {
        write(event(System.currentTimeMillis() / 1000.0, 0).bytes(4, GraphDefs.of(model, inputShape)));
    }

    /** Writes what is buffered to the file (every add already does). */
    public synchronized void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new KilnException("SummaryWriter: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Flushes and closes the file; adding after this is an error. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                out.close();
            } catch (IOException e) {
                throw new KilnException("SummaryWriter: cannot close " + file + ": " + e.getMessage(), e);
            }
        }
    }

    private static Proto.Writer event(double wallTime, long step) {
        return new Proto.Writer().float64(1, wallTime).int64(2, step);
    }

    private static Proto.Writer value(String tag) {
        checkTag(tag);
        return new Proto.Writer().string(1, tag);
    }

    private static void checkTag(String tag) {
        if (tag == null || tag.isEmpty()) {
            throw new KilnException("SummaryWriter: a tag is a non-empty string, got " + (tag == null ? "null" : "''"));
        }
    }

    private static Proto.Writer summary(long step, Proto.Writer value) {
        return event(System.currentTimeMillis() / 1000.0, step).message(5, new Proto.Writer().message(1, value));
    }

    private synchronized void write(Proto.Writer event) {
        if (closed) {
            throw new KilnException("SummaryWriter: " + file + " is closed");
        }
        try {
            TfRecord.write(out, event.bytes());
            out.flush();
        } catch (IOException e) {
            throw new KilnException("SummaryWriter: cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
