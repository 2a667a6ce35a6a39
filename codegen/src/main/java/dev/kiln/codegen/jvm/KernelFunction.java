package dev.kiln.codegen.jvm;

/** A kernel compiled to bytecode: reads and writes the plan's buffers (typed arrays) and scalar slots. */
public interface KernelFunction {
    void run(Object[] buffers, double[] scalars);
}
