package dev.kiln.codegen.jvm;

import static org.objectweb.asm.Opcodes.*;

import dev.kiln.DType;
import dev.kiln.codegen.kernel.Instr;
import dev.kiln.codegen.kernel.Kernel;
import dev.kiln.ir.Barrier;
import dev.kiln.ir.Binary;
import dev.kiln.ir.Call;
import dev.kiln.ir.Cast;
import dev.kiln.ir.Compare;
import dev.kiln.ir.Detach;
import dev.kiln.ir.Draw;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.MatMul;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Reduce;
import dev.kiln.ir.Unary;
import dev.kiln.ir.Where;
import java.util.List;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/** Inner products of a fused loop ({@code Instr.Dot}): unrolled multiply-adds over two strided operands. */
abstract class DotEmitter extends MethodEmitter {
    DotEmitter(Kernel kernel, MethodVisitor mv, int bufferCount, JvmEmitter.Options options) {
        super(kernel, mv, bufferCount, options);
    }

    /**
     * Σ_k A[a + k·sA]·B[b + k·sB] in double, then rounded to the result type. Long inner products
     * use four accumulators (a sum is otherwise bound by the latency of one add per element), so
     * their rounding differs from the interpreter's single running sum within float tolerance.
     */
    void dot(Instr.Dot d, int[] base) {
        int ia = newLocal(1);
        int ib = newLocal(1);
        int kk = newLocal(1);
        int lanes = d.inner() >= 16 ? 4 : 1;
        int[] acc = new int[lanes];
        positionIndex(d.loadA(), base);
        mv.visitVarInsn(ISTORE, ia);
        positionIndex(d.loadB(), base);
        mv.visitVarInsn(ISTORE, ib);
        for (int u = 0; u < lanes; u++) {
            acc[u] = newLocal(2);
            mv.visitInsn(DCONST_0);
            mv.visitVarInsn(DSTORE, acc[u]);
        }
        mv.visitInsn(ICONST_0);
        mv.visitVarInsn(ISTORE, kk);
        if (lanes > 1) {
            Label top = new Label();
            Label end = new Label();
            mv.visitLabel(top);
            mv.visitVarInsn(ILOAD, kk);
            pushInt(d.inner() & ~(lanes - 1));
            mv.visitJumpInsn(IF_ICMPGE, end);
            for (int u = 0; u < lanes; u++) {
                multiplyAdd(d, acc[u], ia, ib, kk, u);
            }
            mv.visitIincInsn(kk, lanes);
            mv.visitJumpInsn(GOTO, top);
            mv.visitLabel(end);
        }
        Label top = new Label();
        Label end = new Label();
        mv.visitLabel(top);
        mv.visitVarInsn(ILOAD, kk);
        pushInt(d.inner());
        mv.visitJumpInsn(IF_ICMPGE, end);
        multiplyAdd(d, acc[0], ia, ib, kk, 0);
        mv.visitIincInsn(kk, 1);
        mv.visitJumpInsn(GOTO, top);
        mv.visitLabel(end);
        mv.visitVarInsn(DLOAD, acc[0]);
        if (lanes > 1) {
            mv.visitVarInsn(DLOAD, acc[1]);
            mv.visitInsn(DADD);
            mv.visitVarInsn(DLOAD, acc[2]);
            mv.visitVarInsn(DLOAD, acc[3]);
            mv.visitInsn(DADD);
            mv.visitInsn(DADD);
        }
        if (isFloat(d)) {
            mv.visitInsn(D2F);
        }
    }

    /** {@code acc += A[ia + (kk+u)·sA] · B[ib + (kk+u)·sB]}. */
    void multiplyAdd(Instr.Dot d, int acc, int ia, int ib, int kk, int u) {
        mv.visitVarInsn(DLOAD, acc);
        operandElement(d.loadA(), ia, kk, u, d.strideA());
        operandElement(d.loadB(), ib, kk, u, d.strideB());
        mv.visitInsn(DMUL);
        mv.visitInsn(DADD);
        mv.visitVarInsn(DSTORE, acc);
    }

    /** Pushes, as a double, element {@code index + (k+u)·stride} of load {@code l}'s buffer. */
    void operandElement(int l, int index, int k, int u, int stride) {
        Kernel.Load load = kernel.loads().get(l);
        mv.visitVarInsn(ALOAD, bufferLocal[load.buffer()]);
        mv.visitVarInsn(ILOAD, index);
        mv.visitVarInsn(ILOAD, k);
        if (u != 0) {
            pushInt(u);
            mv.visitInsn(IADD);
        }
        if (stride != 1) {
            pushInt(stride);
            mv.visitInsn(IMUL);
        }
        mv.visitInsn(IADD);
        loadElement(load.dtype() == DType.FLOAT32 ? DType.FLOAT32 : load.dtype());
    }
}
