package dev.kiln;

import dev.kiln.internal.VizData;
import java.util.ServiceLoader;

/** What {@link Kiln#viz} and {@link Kiln#serveViz} share: a call's data with its CUDA C, and the renderer. */
final class VizPages {
    private VizPages() {
    }

    /** The viewer's data of {@code f}'s last call, with the plan's CUDA C where Kiln's CUDA runtime is on the class path. */
    static VizData data(CompiledFunction f, String title) {
        VizData data = f.vizData(title);
        String cuda;
        try {
            cuda = f.cudaSource();
        } catch (RuntimeException e) {
            cuda = null; // no CUDA runtime on the class path: the page says so
        }
        return new VizData(data.title(), data.traced(), data.gradientRanges(), data.passes(), data.optimized(), data.device(),
                data.inputNames(), cuda);
    }

    /** The page renderer Kiln's CPU runtime provides; {@code who} names the API asking, for the error. */
    static VizData.Renderer renderer(String who) {
        var renderers = ServiceLoader.load(VizData.Renderer.class, Kiln.class.getClassLoader()).iterator();
        if (!renderers.hasNext()) {
            throw new KilnException(who + ": no page renderer found; add the artifact dev.kiln:kiln-runtime-cpu to the class path");
        }
        return renderers.next();
    }
}
