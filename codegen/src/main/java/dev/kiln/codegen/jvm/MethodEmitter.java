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
 * The state one generated method is emitted with — its kernel, ASM's method visitor, the locals
 * allocated so far — and the small helpers every part of the emitter uses (locals, constants,
 * array loads and stores). The parts build on it: {@link DotEmitter}, {@link ExpressionEmitter},
 * {@link VectorLoopEmitter}, {@link LoopEmitter}; {@link JvmEmitter} is the facade.
 */
abstract class MethodEmitter {
    static final String FUNCTION = "dev/kiln/codegen/jvm/KernelFunction";
    static final String MATH = "java/lang/Math";

    final Kernel kernel;
    final MethodVisitor mv;
    final int[] bufferLocal;
    int nextLocal = 3; // 0 this, 1 buffers, 2 scalars
    int innerCounter;
    /** Whether the innermost loop gets a Vector API part (see {@link #vectorizable}). */
    final boolean vector;
    /**
     * Whether this kernel's scalar code does the arithmetic of the vector lanes — a vectorizable
     * kernel emitted with its Vector API part, or in the scalar form that gives that form's bits
     * ({@link JvmEmitter.Options#lanes()}): float32 powers by float squaring, multiply-adds contracted
     * as the vector loop contracts them, and (scalar form only) sums in the vector's float lanes.
     */
    final boolean lanes;
    /** Multiply-adds are contracted (the CPU has FMA): in vector loops, and in the scalar code that follows their lanes. */
    final boolean fma;
    /** float32 lanes per vector: the vector width in bits ({@link JvmEmitter.Options#bits()}) over 32. */
    final int laneCount;
    /** The {@code FloatVector}/{@code DoubleVector} species field of that width, e.g. {@code SPECIES_256}. */
    final String speciesField;
    /** Per sum of the loop (full reductions, then row sums): the instruction summed, and whether it is a max. */
    int[] sumInstr = new int[0];
    boolean[] sumMax = new boolean[0];

    /**
     * Per accumulation of {@code k}: 0 when it sums (or maxes) along each innermost row into one
     * element (innermost stride 0) of a buffer nothing else in the kernel reads or writes — a row sum,
     * kept in a local for the row — else −1.
     */
    static int[] rowSums(Kernel k) {
        java.util.List<Kernel.Accumulate> accs = k.accumulates();
        int[] out = new int[accs.size()];
        for (int a = 0; a < out.length; a++) {
            Kernel.Load t = k.loads().get(accs.get(a).target());
            boolean alone = t.strides().length > 0 && t.strides()[t.strides().length - 1] == 0;
            for (int l = 0; alone && l < k.loads().size(); l++) {
                alone = l == accs.get(a).target() || k.loads().get(l).buffer() != t.buffer();
            }
            for (int b = 0; alone && b < accs.size(); b++) {
                alone = b == a || k.loads().get(accs.get(b).target()).buffer() != t.buffer();
            }
            for (Kernel.Store st : k.stores()) {
                alone &= st.buffer() != t.buffer();
            }
            out[a] = alone ? 0 : -1;
        }
        return out;
    }

    MethodEmitter(Kernel kernel, MethodVisitor mv, int bufferCount, JvmEmitter.Options options) {
        this.kernel = kernel;
        this.mv = mv;
        this.bufferLocal = new int[bufferCount];
        boolean vectorizable = VectorLoopEmitter.vectorizable(kernel);
        this.vector = options.vectorApi() && vectorizable;
        this.lanes = (options.vectorApi() || options.lanes()) && vectorizable;
        this.fma = options.fma() && lanes;
        this.laneCount = options.bits() / 32;
        this.speciesField = "SPECIES_" + options.bits();
    }

    int newLocal(int size) {
        int l = nextLocal;
        nextLocal += size;
        return l;
    }

    /** float32 values live in float locals and use float arithmetic, which for + - * / rounds exactly as double-then-round does. */
    static boolean isFloat(Instr i) {
        return i.dtype() == DType.FLOAT32;
    }

    void store(Instr i, int local) {
        mv.visitVarInsn(isFloat(i) ? FSTORE : DSTORE, local);
    }

    void pushAsDouble(List<Instr> instrs, int[] locals, int i) {
        if (isFloat(instrs.get(i))) {
            mv.visitVarInsn(FLOAD, locals[i]);
            mv.visitInsn(F2D);
        } else {
            mv.visitVarInsn(DLOAD, locals[i]);
        }
    }

    void pushAsFloat(List<Instr> instrs, int[] locals, int i) {
        if (isFloat(instrs.get(i))) {
            mv.visitVarInsn(FLOAD, locals[i]);
        } else {
            mv.visitVarInsn(DLOAD, locals[i]);
            mv.visitInsn(D2F);
        }
    }

    void bufferLocal(int buffer, DType dtype) {
        if (bufferLocal[buffer] != 0) {
            return;
        }
        int l = newLocal(1);
        mv.visitVarInsn(ALOAD, 1);
        pushInt(buffer);
        mv.visitInsn(AALOAD);
        mv.visitTypeInsn(CHECKCAST, arrayType(dtype));
        mv.visitVarInsn(ASTORE, l);
        bufferLocal[buffer] = l;
    }

    static String arrayType(DType t) {
        return switch (t) {
            case FLOAT32 -> "[F";
            case FLOAT64 -> "[D";
            case INT64 -> "[J";
            case INT32 -> "[I";
            case BOOL -> "[Z";
        };
    }

    /**
     * Pushes the storage index load {@code l} points at for the current position: the row's base plus
     * the innermost counter times the last stride — one induction variable for every access, so the
     * JIT can drop the range checks and unroll.
     */
    void positionIndex(int l, int[] base) {
        Kernel.Load load = kernel.loads().get(l);
        mv.visitVarInsn(ILOAD, base[l]);
        int stride = load.strides()[load.strides().length - 1];
        if (stride != 0) {
            mv.visitVarInsn(ILOAD, innerCounter);
            if (stride != 1) {
                pushInt(stride);
                mv.visitInsn(IMUL);
            }
            mv.visitInsn(IADD);
        }
    }

    /** The value of instruction {@code i} if it is a constant small integer (|n| <= 16), else null. */
    static Integer smallIntegerConstant(List<Instr> instrs, int i) {
        if (instrs.get(i) instanceof Instr.Const c
                && c.value() == Math.rint(c.value()) && Math.abs(c.value()) <= 16) {
            return (int) c.value();
        }
        return null;
    }

    void math(String name) {
        mv.visitMethodInsn(INVOKESTATIC, MATH, name, "(D)D", false);
    }

    void loadElement(DType t) {
        switch (t) {
            case FLOAT32 -> {
                mv.visitInsn(FALOAD);
                mv.visitInsn(F2D);
            }
            case FLOAT64 -> mv.visitInsn(DALOAD);
            case INT64 -> {
                mv.visitInsn(LALOAD);
                mv.visitInsn(L2D);
            }
            case INT32 -> {
                mv.visitInsn(IALOAD);
                mv.visitInsn(I2D);
            }
            case BOOL -> {
                mv.visitInsn(BALOAD);
                mv.visitInsn(I2D);
            }
        }
    }

    void storeElement(DType t) {
        switch (t) {
            case FLOAT32 -> {
                mv.visitInsn(D2F);
                mv.visitInsn(FASTORE);
            }
            case FLOAT64 -> mv.visitInsn(DASTORE);
            case BOOL -> {
                mv.visitInsn(D2I);
                mv.visitInsn(BASTORE);
            }
            case INT32, INT64 -> throw new IllegalArgumentException("stores of " + t + " are not fused");
        }
    }

    void pushInt(int v) {
        pushInt(mv, v);
    }

    /** Pushes {@code v} with the shortest instruction that holds it. */
    static void pushInt(MethodVisitor mv, int v) {
        if (v >= -1 && v <= 5) {
            mv.visitInsn(ICONST_0 + v);
        } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            mv.visitIntInsn(BIPUSH, v);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            mv.visitIntInsn(SIPUSH, v);
        } else {
            mv.visitLdcInsn(v);
        }
    }
}
