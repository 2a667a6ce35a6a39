/**
 * Code generation: the kernel IR both emitters read (iteration domain, strided loads, an
 * expression list, reductions, stores, scalar prologue and epilogue), the fusion planner that
 * turns a graph into kernels, and the emitters: JVM bytecode (ASM types stay inside it) and CUDA C.
 */
module dev.kiln.codegen {
    requires transitive dev.kiln;
    requires org.objectweb.asm;
    requires static jdk.incubator.vector; // VectorMath, called only by vector loops

    exports dev.kiln.codegen.kernel to dev.kiln.cpu, dev.kiln.cuda;
    exports dev.kiln.codegen.cuda to dev.kiln.cuda;
    exports dev.kiln.codegen.jvm to dev.kiln.cpu;
}
