/**
 * Code generation: the kernel IR both emitters read (iteration domain, strided loads, an
 * expression list, reductions, stores, scalar prologue and epilogue), the fusion planner that
 * turns a graph into kernels, and the JVM bytecode emitter (ASM types stay inside it). The CUDA C
 * emitter and the Java-source exporter come later. Also the {@code @Model} annotation processor
 * ({@code dev.kiln.codegen.model}), found as a service on the annotation processor path.
 */
module dev.kiln.codegen {
    requires transitive dev.kiln;
    requires org.objectweb.asm;
    requires java.compiler;
    requires static com.palantir.javapoet;
    requires static jdk.incubator.vector; // VectorMath, called only by vector loops // the @Model processor only, which javac runs from the processor path

    exports dev.kiln.codegen.kernel to dev.kiln.cpu, dev.kiln.cuda;
    exports dev.kiln.codegen.cuda to dev.kiln.cpu, dev.kiln.cuda;
    exports dev.kiln.codegen.jvm to dev.kiln.cpu;

    provides javax.annotation.processing.Processor with dev.kiln.codegen.model.ModelProcessor;
}
