package dev.kiln.onnx;

import dev.kiln.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * ONNX's LSTM (gates i, o, f, c) and GRU (gates z, r, h) over [seq, batch, input] in Kiln ops, one direction
 * or both; the outputs are Y [seq, directions, batch, hidden] and the last hidden (and cell) states.
 */
final class Recurrences {
    private Recurrences() {}

    static List<Tensor> lstm(Attrs a, Tensor x, Tensor w, Tensor r, Tensor b, Tensor h0, Tensor c0) {
        int hidden = (int) a.i("hidden_size", 0);
        int dirs = directions(a, x, w, r, 4 * hidden);
        List<Tensor> ys = new ArrayList<>();
        List<Tensor> hs = new ArrayList<>();
        List<Tensor> cs = new ArrayList<>();
        for (int d = 0; d < dirs; d++) {
            Tensor wd = w.select(0, d);
            Tensor rd = r.select(0, d);
            Tensor bias = b == null ? null : b.select(0, d).slice(0, 0, 4 * hidden, 1).add(b.select(0, d).slice(0, 4 * hidden, 8 * hidden, 1));
            Tensor h = h0 == null ? Tensor.zeros(dev.kiln.Shape.of(x.size(1), hidden), x.dtype()).to(x.device()) : h0.select(0, d);
            Tensor c = c0 == null ? Tensor.zeros(dev.kiln.Shape.of(x.size(1), hidden), x.dtype()).to(x.device()) : c0.select(0, d);
            Tensor[] steps = new Tensor[x.size(0)];
            boolean reverse = reverse(a, d);
            // the input projection of every step at once: one matmul instead of seq
            Tensor xw = x.matmul(wd.t());
            if (bias != null) {
                xw = xw.add(bias);
            }
            for (int s = 0; s < steps.length; s++) {
                int t = reverse ? steps.length - 1 - s : s;
                Tensor gates = xw.select(0, t).add(h.matmul(rd.t()));
                Tensor i = gates.slice(1, 0, hidden, 1).sigmoid();
                Tensor o = gates.slice(1, hidden, 2 * hidden, 1).sigmoid();
                Tensor f = gates.slice(1, 2 * hidden, 3 * hidden, 1).sigmoid();
                Tensor g = gates.slice(1, 3 * hidden, 4 * hidden, 1).tanh();
                c = f.mul(c).add(i.mul(g));
                h = o.mul(c.tanh());
                steps[t] = h;
            }
            ys.add(Tensor.stack(List.of(steps), 0));
            hs.add(h);
            cs.add(c);
        }
        return List.of(Tensor.stack(ys, 1), Tensor.stack(hs, 0), Tensor.stack(cs, 0));
    }

    static List<Tensor> gru(Attrs a, Tensor x, Tensor w, Tensor r, Tensor b, Tensor h0) {
        int hidden = (int) a.i("hidden_size", 0);
        int dirs = directions(a, x, w, r, 3 * hidden);
        boolean linearBeforeReset = a.i("linear_before_reset", 0) != 0;
        List<Tensor> ys = new ArrayList<>();
        List<Tensor> hs = new ArrayList<>();
        for (int d = 0; d < dirs; d++) {
            Tensor wd = w.select(0, d);
            Tensor rd = r.select(0, d);
            Tensor wb = b == null ? null : b.select(0, d).slice(0, 0, 3 * hidden, 1);
            Tensor rb = b == null ? null : b.select(0, d).slice(0, 3 * hidden, 6 * hidden, 1);
            Tensor h = h0 == null ? Tensor.zeros(dev.kiln.Shape.of(x.size(1), hidden), x.dtype()).to(x.device()) : h0.select(0, d);
            Tensor xw = x.matmul(wd.t());
            if (wb != null) {
                xw = xw.add(wb);
            }
            Tensor rzr = rd.slice(0, 0, 2 * hidden, 1);
            Tensor rh = rd.slice(0, 2 * hidden, 3 * hidden, 1);
            Tensor[] steps = new Tensor[x.size(0)];
            boolean reverse = reverse(a, d);
            for (int s = 0; s < steps.length; s++) {
                int t = reverse ? steps.length - 1 - s : s;
                Tensor xt = xw.select(0, t);
                Tensor hr = h.matmul(rzr.t());
                if (rb != null) {
                    hr = hr.add(rb.slice(0, 0, 2 * hidden, 1));
                }
                Tensor zr = xt.slice(1, 0, 2 * hidden, 1).add(hr).sigmoid();
                Tensor z = zr.slice(1, 0, hidden, 1);
                Tensor rg = zr.slice(1, hidden, 2 * hidden, 1);
                Tensor rbh = rb == null ? null : rb.slice(0, 2 * hidden, 3 * hidden, 1);
                Tensor recurrent;
                if (linearBeforeReset) {
                    Tensor hh = h.matmul(rh.t());
                    recurrent = rg.mul(rbh == null ? hh : hh.add(rbh));
                } else {
                    recurrent = rg.mul(h).matmul(rh.t());
                    recurrent = rbh == null ? recurrent : recurrent.add(rbh);
                }
                Tensor n = xt.slice(1, 2 * hidden, 3 * hidden, 1).add(recurrent).tanh();
                h = z.rsub(1.0).mul(n).add(z.mul(h));
                steps[t] = h;
            }
            ys.add(Tensor.stack(List.of(steps), 0));
            hs.add(h);
        }
        return List.of(Tensor.stack(ys, 1), Tensor.stack(hs, 0));
    }

    private static boolean reverse(Attrs a, int d) {
        String dir = a.s("direction", "forward");
        return dir.equals("reverse") || (dir.equals("bidirectional") && d == 1);
    }

    private static int directions(Attrs a, Tensor x, Tensor w, Tensor r, int gates) {
        int dirs = a.s("direction", "forward").equals("bidirectional") ? 2 : 1;
        int hidden = (int) a.i("hidden_size", 0);
        if (x.dim() != 3 || w.dim() != 3 || w.size(0) != dirs || w.size(1) != gates || w.size(2) != x.size(2)
                || r.dim() != 3 || r.size(0) != dirs || r.size(1) != gates || r.size(2) != hidden) {
            throw a.error("X " + x.shape() + ", W " + w.shape() + " and R " + r.shape() + " do not fit hidden_size "
                    + hidden + " and " + dirs + " direction(s)");
        }
        return dirs;
    }
}
