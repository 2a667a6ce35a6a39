package dev.kiln.samples;

import dev.kiln.Tensor;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** A PNG grid of grey images, each captioned with its predicted and true class; wrong ones framed and captioned in red. */
final class ImageGrid {
    private static final int SCALE = 3;
    private static final int CAPTION = 28;
    private static final int GAP = 6;

    private ImageGrid() {
    }

    /** {@code images} [N, 1, H, W] in [0, 1], {@code columns} a row, written to {@code file}. */
    static void write(Path file, Tensor images, long[] predicted, long[] truth, List<String> classes, int columns) {
        System.setProperty("java.awt.headless", "true");
        int n = images.size(0);
        int h = images.size(2);
        int w = images.size(3);
        int cellW = Math.max(w * SCALE, 110) + GAP;
        int cellH = h * SCALE + CAPTION + GAP;
        int rows = Math.max(1, (n + columns - 1) / columns);
        BufferedImage out = new BufferedImage(columns * cellW + GAP, rows * cellH + GAP, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        float[] px = images.toFloatArray();
        for (int k = 0; k < n; k++) {
            int x0 = GAP + (k % columns) * cellW + (cellW - GAP - w * SCALE) / 2;
            int y0 = GAP + (k / columns) * cellH;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int v = Math.round(255 * Math.clamp(px[(k * h + y) * w + x], 0f, 1f));
                    g.setColor(new Color(v, v, v));
                    g.fillRect(x0 + x * SCALE, y0 + y * SCALE, SCALE, SCALE);
                }
            }
            boolean right = predicted[k] == truth[k];
            g.setColor(right ? new Color(0, 110, 0) : Color.RED);
            if (!right) {
                g.setStroke(new BasicStroke(3));
                g.drawRect(x0 - 2, y0 - 2, w * SCALE + 3, h * SCALE + 3);
            }
            int tx = GAP + (k % columns) * cellW;
            g.drawString((right ? "" : "✗ ") + classes.get((int) predicted[k]), tx, y0 + h * SCALE + 12);
            g.setColor(Color.DARK_GRAY);
            g.drawString("true: " + classes.get((int) truth[k]), tx, y0 + h * SCALE + 24);
        }
        g.dispose();
        try {
            ImageIO.write(out, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }
}
