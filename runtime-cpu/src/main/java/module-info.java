/** The CPU backend. Embedding Kiln on the JVM needs only this artifact (it brings the rest). */
module dev.kiln.cpu {
    requires transitive dev.kiln;
    requires dev.kiln.codegen;
    // optional: used when the JVM runs with --add-modules jdk.incubator.vector (VectorSupport)
    requires static jdk.incubator.vector;
    // HotSpot's UseFMA flag (VectorSupport)
    requires jdk.management;
    // Kiln.serveViz: the live viewer over the JDK's HTTP server
    requires jdk.httpserver;

    // exports nothing: users reach the backend through ServiceLoader
    provides dev.kiln.spi.Backend with dev.kiln.cpu.CpuBackend;
    provides dev.kiln.internal.VizData.Renderer with dev.kiln.cpu.viz.VizPage;
    // optional: kernels' bytecode as text in the graph viewer (ASM's Textifier) when asm-util is present
    requires static org.objectweb.asm.util;
}
