/** The seed tutorial's programs, in Java, and the samples beyond them (serve: a model behind HTTP; digits-mlp: a classifier on real data; ddp: it trained data-parallel on MPI; onnx-run: an ONNX model imported and run). */
module dev.kiln.samples {
    requires dev.kiln.cpu;
    requires dev.kiln.distributed;
    requires dev.kiln.onnx;
    requires jdk.httpserver;
    requires java.net.http;
    requires tools.jackson.core;
    requires org.jfree.jfreechart;
    requires java.desktop;
}
