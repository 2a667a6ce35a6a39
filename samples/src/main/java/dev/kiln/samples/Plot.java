package dev.kiln.samples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Training curves as PNG, with JFreeChart, headless. */
final class Plot {
    private Plot() {
    }

    /** Loss (left axis) and test accuracy (right axis) per epoch, written to {@code file}. */
    static void lossAndAccuracy(Path file, List<Double> losses, List<Double> accuracies) {
        System.setProperty("java.awt.headless", "true");
        XYSeries loss = new XYSeries("training loss");
        XYSeries acc = new XYSeries("test accuracy");
        for (int i = 0; i < losses.size(); i++) {
            loss.add(i + 1, losses.get(i));
            acc.add(i + 1, accuracies.get(i));
        }
        JFreeChart chart = ChartFactory.createXYLineChart("digits-mlp", "epoch", "loss", new XYSeriesCollection(loss));
        XYPlot plot = chart.getXYPlot();
        NumberAxis right = new NumberAxis("accuracy");
        right.setRange(0, 1);
        plot.setRangeAxis(1, right);
        plot.setDataset(1, new XYSeriesCollection(acc));
        plot.mapDatasetToRangeAxis(1, 1);
        plot.setRenderer(1, new XYLineAndShapeRenderer(true, false));
        try {
            ChartUtils.saveChartAsPNG(file.toFile(), chart, 800, 500);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }
}
