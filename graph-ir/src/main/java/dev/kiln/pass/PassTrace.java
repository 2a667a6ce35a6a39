package dev.kiln.pass;

import dev.kiln.Device;
import dev.kiln.internal.VizData;
import dev.kiln.ir.Graph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs the standard pipeline one pass at a time, keeping each pass's graph and the rules that fired in it, for the viewer. */
public final class PassTrace {
    private PassTrace() {
    }

    public static VizData run(String title, Graph traced, List<int[]> gradientRanges, Device device, List<String> inputNames) {
        List<VizData.PassResult> results = new ArrayList<>();
        Graph g = traced;
        for (Pass p : Pipeline.standard(false).passes()) { // a fresh pipeline: its rule counts are this run's
            g = p.apply(g);
            results.add(new VizData.PassResult(p.name(), g, p instanceof Simplify s ? s.fired() : Map.of()));
        }
        return new VizData(title, traced, gradientRanges, results, g, device, inputNames, null);
    }
}
