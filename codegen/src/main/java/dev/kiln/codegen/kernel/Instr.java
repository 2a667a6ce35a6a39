package dev.kiln.codegen.kernel;

import dev.kiln.DType;
import dev.kiln.ir.Elementwise;

/**
 * One value of a kernel's expression list (three-address form: arguments are indices of earlier
 * instructions). Every value is a double at run time; {@code dtype} says how it is rounded after
 * it is computed (float32 values round to float, as the interpreter stores them).
 */
public sealed interface Instr {
    DType dtype();

    /** Element of load {@code load} at the current position of the iteration domain. */
    record Load(int load, DType dtype) implements Instr {
    }

    /** A scalar slot (a 0-d value computed before the loop), the same at every position. */
    record Scalar(int slot, DType dtype) implements Instr {
    }

    /** A constant. */
    record Const(double value, DType dtype) implements Instr {
    }

    /**
     * The inner product of a matmul at the current position: {@code Σ_k A[a + k·strideA] · B[b + k·strideB]}
     * (accumulated in double), where {@code a} and {@code b} are where loads {@code loadA} and
     * {@code loadB} point at this position (their strides along the other operand's axis are 0).
     */
    record Dot(int loadA, int loadB, int inner, int strideA, int strideB, DType dtype) implements Instr {
    }

    /** An elementwise primitive (unary, binary, compare, where or cast) applied to earlier instructions. */
    record Apply(Elementwise op, int[] args, DType dtype) implements Instr {
    }
}
