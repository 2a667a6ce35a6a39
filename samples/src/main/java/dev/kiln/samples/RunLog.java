package dev.kiln.samples;

import dev.kiln.Shape;
import dev.kiln.io.tensorboard.SummaryWriter;
import dev.kiln.nn.Module;
import java.nio.file.Path;

/** A sample's TensorBoard log with {@code --logdir DIR}: the graph, the settings, losses, and per-epoch weights and gradients. */
final class RunLog implements AutoCloseable {
    private final SummaryWriter writer;
    private final Module model;

    private RunLog(SummaryWriter writer, Module model) {
        this.writer = writer;
        this.model = model;
    }

    /** A log in {@code dir} (none if null) of {@code model}, whose graph is drawn for an input of {@code input}. */
    static RunLog open(Path dir, String sample, String settings, Module model, Shape input) {
        if (dir == null) {
            return new RunLog(null, model);
        }
        SummaryWriter w = new SummaryWriter(dir);
        w.addText("run", sample + ": " + settings + "\n\n    " + model.toString().replace("\n", "\n    "), 0);
        w.addGraph(model, input);
        return new RunLog(w, model);
    }

    void scalar(String tag, double value, long step) {
        if (writer != null) {
            writer.addScalar(tag, value, step);
        }
    }

    /** Each parameter's values, and its gradient where it has one, as histograms at {@code step}. */
    void weights(long step) {
        if (writer != null) {
            model.namedParameters().forEach((name, p) -> {
                writer.addHistogram("weights/" + name, p, step);
                if (p.grad() != null) {
                    writer.addHistogram("grads/" + name, p.grad(), step);
                }
            });
        }
    }

    @Override
    public void close() {
        if (writer != null) {
            writer.close();
            System.out.println("TensorBoard log written to " + writer.file());
        }
    }
}
