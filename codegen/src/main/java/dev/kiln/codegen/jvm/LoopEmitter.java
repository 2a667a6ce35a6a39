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

/**
 * A kernel's methods: its scalar statements (prologue, epilogue), the fills of its accumulation
 * buffers, and the nest of counted loops over its domain (whole, or one chunk of rows).
 */
final class LoopEmitter extends VectorLoopEmitter {
    LoopEmitter(Kernel kernel, MethodVisitor mv, int bufferCount, JvmEmitter.Options options) {
        super(kernel, mv, bufferCount, options);
    }

    void body() {
        statements(kernel.prologue());
        if (kernel.hasLoop()) {
            fills();
            loop(false);
        }
        statements(kernel.epilogue());
    }

    /** Scalar statements: evaluate each small expression over slots, store into its slot. */
    void statements(List<Kernel.Statement> stmts) {
        for (Kernel.Statement s : stmts) {
            List<Instr> instrs = s.instrs();
            int[] locals = new int[instrs.size()];
            for (int i = 0; i < locals.length; i++) {
                locals[i] = newLocal(2);
                value(instrs.get(i), locals, null, instrs);
                store(instrs.get(i), locals[i]);
            }
            mv.visitVarInsn(ALOAD, 2);
            pushInt(s.slot());
            pushAsDouble(instrs, locals, locals.length - 1);
            mv.visitInsn(DASTORE);
        }
    }

    /** Accumulation buffers start at 0 (or -inf for max). */
    void fills() {
        for (Kernel.Accumulate a : kernel.accumulates()) {
            Kernel.Load target = kernel.loads().get(a.target());
            bufferLocal(target.buffer(), target.dtype());
            mv.visitVarInsn(ALOAD, bufferLocal[target.buffer()]);
            mv.visitLdcInsn(a.max() ? Double.NEGATIVE_INFINITY : 0.0);
            mv.visitMethodInsn(INVOKESTATIC, "java/util/Arrays", "fill", "([DD)V", false);
        }
    }

    /** The loop over the domain; {@code ranged}: only rows {@code from..to} of the first dimension, reductions into partials. */
    void loop(boolean ranged) {
        int[] dims = kernel.domain().toArray();
        int rank = dims.length;
        // typed locals for every buffer the loop touches
        for (Kernel.Load l : kernel.loads()) {
            bufferLocal(l.buffer(), l.dtype());
        }
        for (Kernel.Store s : kernel.stores()) {
            bufferLocal(s.buffer(), s.dtype());
        }
        // scalars read by the body, hoisted
        int[] instrLocal = new int[kernel.body().size()];
        for (int i = 0; i < instrLocal.length; i++) {
            instrLocal[i] = newLocal(2);
        }
        for (int i = 0; i < instrLocal.length; i++) {
            if (kernel.body().get(i) instanceof Instr.Scalar s) {
                value(s, instrLocal, null, kernel.body());
                store(s, instrLocal[i]);
            }
        }
        int[] vlocal = vector ? hoistVectors(instrLocal) : null;
        // row sums: accumulations into one element per innermost row, kept in a local for the row
        int[] rowSum = rowSums(kernel);
        boolean anySum = !kernel.reductions().isEmpty() || java.util.Arrays.stream(rowSum).anyMatch(k -> k >= 0);
        int reductions = kernel.reductions().size();
        int rows = (int) java.util.Arrays.stream(rowSum).filter(k -> k >= 0).count();
        int[] acc = new int[reductions + rows];
        sumInstr = new int[acc.length];
        sumMax = new boolean[acc.length];
        int[] accumulateOf = new int[acc.length]; // for a row sum, its accumulation's index
        for (int r = 0; r < reductions; r++) {
            acc[r] = newLocal(2);
            sumInstr[r] = kernel.reductions().get(r).instr();
            sumMax[r] = kernel.reductions().get(r).max();
            mv.visitLdcInsn(sumMax[r] ? Double.NEGATIVE_INFINITY : 0.0);
            mv.visitVarInsn(DSTORE, acc[r]);
        }
        for (int k = 0, r = reductions; k < rowSum.length; k++) {
            if (rowSum[k] >= 0) {
                acc[r] = newLocal(2);
                rowSum[k] = r;
                accumulateOf[r] = k;
                sumInstr[r] = kernel.accumulates().get(k).instr();
                sumMax[r] = kernel.accumulates().get(k).max();
                r++;
            }
        }
        // the scalar form of a loop with a vector form sums as its float lanes do (see emulatedSums)
        boolean emulate = lanes && !vector && acc.length > 0;
        int floatLanes = -1;
        int doubleLanes = -1;
        int vEnd = -1;
        int blockStart = -1;
        if (emulate) {
            floatLanes = newLocal(1);
            pushInt(laneCount * acc.length);
            mv.visitIntInsn(NEWARRAY, T_FLOAT);
            mv.visitVarInsn(ASTORE, floatLanes);
            doubleLanes = newLocal(1);
            pushInt(laneCount / 2 * acc.length);
            mv.visitIntInsn(NEWARRAY, T_DOUBLE);
            mv.visitVarInsn(ASTORE, doubleLanes);
            vEnd = newLocal(1);
            blockStart = newLocal(1);
        }
        int[] fused = lanes ? contractions() : null;
        int out = newLocal(1);
        if (ranged && rank > 1) {
            mv.visitVarInsn(ILOAD, 3);
            pushInt(kernel.domain().numel() / dims[0]);
            mv.visitInsn(IMUL);
        } else {
            mv.visitInsn(ICONST_0);
        }
        mv.visitVarInsn(ISTORE, out);
        int[] counter = new int[rank];
        for (int d = 0; d < rank; d++) {
            counter[d] = newLocal(1);
        }
        innerCounter = counter[rank - 1];
        int[] base = new int[kernel.loads().size()];
        for (int k = 0; k < base.length; k++) {
            base[k] = newLocal(1);
        }
        Label[] top = new Label[rank];
        Label[] end = new Label[rank];
        for (int d = 0; d < rank; d++) {
            top[d] = new Label();
            end[d] = new Label();
            if (ranged && d == 0) {
                mv.visitVarInsn(ILOAD, 3);
            } else {
                mv.visitInsn(ICONST_0);
            }
            mv.visitVarInsn(ISTORE, counter[d]);
            if (d == rank - 1) {
                // each load's index at the start of the innermost row
                for (int k = 0; k < base.length; k++) {
                    Kernel.Load l = kernel.loads().get(k);
                    pushInt(l.offset());
                    for (int o = 0; o < rank - 1; o++) {
                        if (l.strides()[o] != 0) {
                            mv.visitVarInsn(ILOAD, counter[o]);
                            pushInt(l.strides()[o]);
                            mv.visitInsn(IMUL);
                            mv.visitInsn(IADD);
                        }
                    }
                    mv.visitVarInsn(ISTORE, base[k]);
                }
                for (int r = reductions; r < acc.length; r++) {
                    int target = kernel.accumulates().get(accumulateOf[r]).target();
                    mv.visitVarInsn(ALOAD, bufferLocal[kernel.loads().get(target).buffer()]);
                    mv.visitVarInsn(ILOAD, base[target]);
                    mv.visitInsn(DALOAD);
                    mv.visitVarInsn(DSTORE, acc[r]);
                }
                if (vector) {
                    vectorRow(counter[d], ranged && d == 0, dims[d], base, vlocal, acc, out);
                } else if (emulate) {
                    // where the vector part of this row would end, and its first block's start
                    storeVectorEnd(counter[d], ranged && d == 0, dims[d], vEnd);
                    mv.visitVarInsn(ILOAD, counter[d]);
                    mv.visitVarInsn(ISTORE, blockStart);
                }
            }
            mv.visitLabel(top[d]);
            mv.visitVarInsn(ILOAD, counter[d]);
            if (ranged && d == 0) {
                mv.visitVarInsn(ILOAD, 4);
            } else {
                pushInt(dims[d]);
            }
            mv.visitJumpInsn(IF_ICMPGE, end[d]);
        }
        // the body, once per position
        for (int i = 0; i < instrLocal.length; i++) {
            Instr in = kernel.body().get(i);
            if (in instanceof Instr.Scalar) {
                continue;
            }
            if (fused != null && fused[i] >= 0) { // a + b*c as one fused multiply-add, as the vector lanes do
                int[] args = ((Instr.Apply) in).args();
                int product = fused[i];
                int[] factors = ((Instr.Apply) kernel.body().get(product)).args();
                mv.visitVarInsn(FLOAD, instrLocal[factors[0]]);
                mv.visitVarInsn(FLOAD, instrLocal[factors[1]]);
                mv.visitVarInsn(FLOAD, instrLocal[args[0] == product ? args[1] : args[0]]);
                mv.visitMethodInsn(INVOKESTATIC, MATH, "fma", "(FFF)F", false);
            } else {
                value(in, instrLocal, base, kernel.body());
            }
            store(in, instrLocal[i]);
        }
        Label tail = new Label();
        Label summed = new Label();
        if (emulate) {
            emulatedSums(fused, instrLocal, floatLanes, doubleLanes, vEnd, blockStart, acc, tail, summed);
        }
        mv.visitLabel(tail);
        for (int r = 0; r < acc.length; r++) {
            mv.visitVarInsn(DLOAD, acc[r]);
            pushAsDouble(kernel.body(), instrLocal, sumInstr[r]);
            if (sumMax[r]) {
                mv.visitMethodInsn(INVOKESTATIC, MATH, "max", "(DD)D", false);
            } else {
                mv.visitInsn(DADD);
            }
            mv.visitVarInsn(DSTORE, acc[r]);
        }
        mv.visitLabel(summed);
        for (int k = 0; k < kernel.accumulates().size(); k++) {
            Kernel.Accumulate a = kernel.accumulates().get(k);
            if (rowSum[k] >= 0) {
                continue; // summed above, into its local
            }
            int at = newLocal(1);
            positionIndex(a.target(), base);
            mv.visitVarInsn(ISTORE, at);
            int buf = bufferLocal[kernel.loads().get(a.target()).buffer()];
            mv.visitVarInsn(ALOAD, buf);
            mv.visitVarInsn(ILOAD, at);
            mv.visitVarInsn(ALOAD, buf);
            mv.visitVarInsn(ILOAD, at);
            mv.visitInsn(DALOAD);
            pushAsDouble(kernel.body(), instrLocal, a.instr());
            if (a.max()) {
                mv.visitMethodInsn(INVOKESTATIC, MATH, "max", "(DD)D", false);
            } else {
                mv.visitInsn(DADD);
            }
            mv.visitInsn(DASTORE);
        }
        for (Kernel.Store s : kernel.stores()) {
            mv.visitVarInsn(ALOAD, bufferLocal[s.buffer()]);
            mv.visitVarInsn(ILOAD, out);
            mv.visitVarInsn(ILOAD, innerCounter);
            mv.visitInsn(IADD);
            if (s.dtype() == DType.FLOAT32) {
                pushAsFloat(kernel.body(), instrLocal, s.instr());
                mv.visitInsn(FASTORE);
            } else {
                pushAsDouble(kernel.body(), instrLocal, s.instr());
                storeElement(s.dtype());
            }
        }
        for (int d = rank - 1; d >= 0; d--) {
            mv.visitIincInsn(counter[d], 1);
            mv.visitJumpInsn(GOTO, top[d]);
            mv.visitLabel(end[d]);
            if (d == rank - 1) {
                for (int r = reductions; r < acc.length; r++) {
                    int target = kernel.accumulates().get(accumulateOf[r]).target();
                    mv.visitVarInsn(ALOAD, bufferLocal[kernel.loads().get(target).buffer()]);
                    mv.visitVarInsn(ILOAD, base[target]);
                    mv.visitVarInsn(DLOAD, acc[r]);
                    mv.visitInsn(DASTORE);
                }
                // next row of the output
                mv.visitVarInsn(ILOAD, out);
                pushInt(dims[rank - 1]);
                mv.visitInsn(IADD);
                mv.visitVarInsn(ISTORE, out);
            }
        }
        for (int r = 0; r < reductions; r++) {
            if (ranged) {
                mv.visitVarInsn(ALOAD, 5);
                mv.visitVarInsn(ILOAD, 6);
                pushInt(r);
                mv.visitInsn(IADD);
            } else {
                mv.visitVarInsn(ALOAD, 2);
                pushInt(kernel.reductions().get(r).slot());
            }
            mv.visitVarInsn(DLOAD, acc[r]);
            mv.visitInsn(DASTORE);
        }
    }

    /**
     * The sums of one position in the scalar form of a loop that also has a vector form, as that
     * form adds them: a position of the row's vector part goes into float lane (position − block
     * start) mod lanes (by a fused multiply-add where the vector loop contracts the product into the
     * sum); at each block's end the lanes widen into half as many float64 lanes (low half, then high half),
     * and at the vector part's end those are summed in the vector form's fixed order ({@link FloatMath#laneSum}) into
     * the accumulator. Positions after the
     * vector part jump to {@code tail} (added in float64, as the vector form's scalar tail adds them);
     * the others jump to {@code summed}. Lane arrays are zero between rows.
     */
    private void emulatedSums(int[] fused, int[] instrLocal, int floatLanes, int doubleLanes, int vEnd, int blockStart,
            int[] acc, Label tail, Label summed) {
        int j = innerCounter;
        mv.visitVarInsn(ILOAD, j);
        mv.visitVarInsn(ILOAD, vEnd);
        mv.visitJumpInsn(IF_ICMPGE, tail);
        int lane = newLocal(1);
        mv.visitVarInsn(ILOAD, j);
        mv.visitVarInsn(ILOAD, blockStart);
        mv.visitInsn(ISUB);
        pushInt(laneCount - 1);
        mv.visitInsn(IAND);
        mv.visitVarInsn(ISTORE, lane);
        for (int r = 0; r < acc.length; r++) {
            int s = sumInstr[r];
            // floatLanes[8r + lane] = floatLanes[8r + lane] + value   (or fma(b, c, lane value))
            mv.visitVarInsn(ALOAD, floatLanes);
            mv.visitVarInsn(ILOAD, lane);
            pushInt(laneCount * r);
            mv.visitInsn(IADD);
            mv.visitInsn(DUP2);
            mv.visitInsn(FALOAD);
            if (fused[s] == CONTRACTED) {
                int lanePrior = newLocal(1);
                mv.visitVarInsn(FSTORE, lanePrior);
                int[] factors = ((Instr.Apply) kernel.body().get(s)).args();
                mv.visitVarInsn(FLOAD, instrLocal[factors[0]]);
                mv.visitVarInsn(FLOAD, instrLocal[factors[1]]);
                mv.visitVarInsn(FLOAD, lanePrior);
                mv.visitMethodInsn(INVOKESTATIC, MATH, "fma", "(FFF)F", false);
            } else {
                mv.visitVarInsn(FLOAD, instrLocal[s]);
                mv.visitInsn(FADD);
            }
            mv.visitInsn(FASTORE);
        }
        // the block ends after 2048 positions or with the vector part: widen, and at the part's end fold
        Label blockGoesOn = new Label();
        Label widen = new Label();
        mv.visitVarInsn(ILOAD, j);
        mv.visitInsn(ICONST_1);
        mv.visitInsn(IADD);
        mv.visitVarInsn(ILOAD, vEnd);
        mv.visitJumpInsn(IF_ICMPEQ, widen);
        mv.visitVarInsn(ILOAD, j);
        mv.visitInsn(ICONST_1);
        mv.visitInsn(IADD);
        mv.visitVarInsn(ILOAD, blockStart);
        mv.visitInsn(ISUB);
        pushInt(REDUCTION_BLOCK);
        mv.visitJumpInsn(IF_ICMPNE, blockGoesOn);
        mv.visitLabel(widen);
        for (int r = 0; r < acc.length; r++) {
            for (int part = 0; part < 2; part++) {
                for (int l = 0; l < laneCount / 2; l++) {
                    int d = laneCount / 2 * r + l;
                    int f = laneCount * r + laneCount / 2 * part + l;
                    mv.visitVarInsn(ALOAD, doubleLanes);
                    pushInt(d);
                    mv.visitInsn(DUP2);
                    mv.visitInsn(DALOAD);
                    mv.visitVarInsn(ALOAD, floatLanes);
                    pushInt(f);
                    mv.visitInsn(FALOAD);
                    mv.visitInsn(F2D);
                    mv.visitInsn(DADD);
                    mv.visitInsn(DASTORE);
                }
            }
        }
        mv.visitVarInsn(ALOAD, floatLanes);
        mv.visitInsn(FCONST_0);
        mv.visitMethodInsn(INVOKESTATIC, "java/util/Arrays", "fill", "([FF)V", false);
        mv.visitVarInsn(ILOAD, j);
        mv.visitInsn(ICONST_1);
        mv.visitInsn(IADD);
        mv.visitVarInsn(ISTORE, blockStart);
        mv.visitVarInsn(ILOAD, j);
        mv.visitInsn(ICONST_1);
        mv.visitInsn(IADD);
        mv.visitVarInsn(ILOAD, vEnd);
        mv.visitJumpInsn(IF_ICMPNE, summed);
        for (int r = 0; r < acc.length; r++) { // the lanes summed in the vector form's order (FloatMath.laneSum)
            mv.visitVarInsn(DLOAD, acc[r]);
            mv.visitVarInsn(ALOAD, doubleLanes);
            pushInt(laneCount / 2 * r);
            pushInt(laneCount / 2);
            mv.visitMethodInsn(INVOKESTATIC, "dev/kiln/codegen/jvm/FloatMath", "laneSum", "([DII)D", false);
            mv.visitInsn(DADD);
            mv.visitVarInsn(DSTORE, acc[r]);
        }
        mv.visitVarInsn(ALOAD, doubleLanes);
        mv.visitInsn(DCONST_0);
        mv.visitMethodInsn(INVOKESTATIC, "java/util/Arrays", "fill", "([DD)V", false);
        mv.visitLabel(blockGoesOn);
        mv.visitJumpInsn(GOTO, summed);
    }
}
