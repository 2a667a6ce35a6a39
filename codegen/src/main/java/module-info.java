/**
 * Code generation, to come with the compiler issue: the kernel IR both emitters read (iteration
 * domain, input views, expression DAG, reductions, outputs), the fusion planner's output, the
 * ASM bytecode emitter, the CUDA C emitter, the {@code @Model} annotation processor and the
 * Java-source exporter. It exports nothing yet; eager execution uses runtime-cpu's interpreter.
 */
module dev.kiln.codegen {
    requires transitive dev.kiln;
}
