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

    /** Each training step's loss, and each epoch's mean at the epoch's last step, written to {@code file}. */
    static void stepLosses(Path file, String title, List<Double> losses, List<Double> epochMeans, double stepsPerEpoch) {
        System.setProperty("java.awt.headless", "true");
        XYSeries step = new XYSeries("loss per step");
        XYSeries epoch = new XYSeries("epoch mean");
        for (int i = 0; i < losses.size(); i++) {
            step.add(i + 1, losses.get(i));
        }
        for (int e = 0; e < epochMeans.size(); e++) {
            epoch.add(Math.min(Math.ceil((e + 1) * stepsPerEpoch), losses.size()), epochMeans.get(e));
        }
        XYSeriesCollection data = new XYSeriesCollection(step);
        data.addSeries(epoch);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "step", "training loss", data);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setSeriesShapesVisible(1, true);
        chart.getXYPlot().setRenderer(renderer);
        try {
            ChartUtils.saveChartAsPNG(file.toFile(), chart, 800, 500);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    /** Each training step's loss, and the train and validation losses of each evaluation (step, train, val), written to {@code file}. */
    static void trainAndValidation(Path file, String title, List<Double> losses, List<double[]> evals) {
        System.setProperty("java.awt.headless", "true");
        XYSeries step = new XYSeries("loss per step");
        XYSeries train = new XYSeries("train loss (evaluated)");
        XYSeries val = new XYSeries("validation loss");
        for (int i = 0; i < losses.size(); i++) {
            step.add(i + 1, losses.get(i));
        }
        for (double[] e : evals) {
            train.add(e[0], e[1]);
            val.add(e[0], e[2]);
        }
        XYSeriesCollection data = new XYSeriesCollection(step);
        data.addSeries(train);
        data.addSeries(val);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "step", "loss", data);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setSeriesShapesVisible(1, true);
        renderer.setSeriesShapesVisible(2, true);
        chart.getXYPlot().setRenderer(renderer);
        try {
            ChartUtils.saveChartAsPNG(file.toFile(), chart, 800, 500);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }
}
