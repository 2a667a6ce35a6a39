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
 * Turns a {@link Kernel} into the bytes of a class implementing {@link KernelFunction}, with ASM.
 * The loop over the domain is a nest of counted loops, the innermost one advancing each load's
 * index by its last stride; every instruction's value lives in a double local; float32 values
 * are rounded to float after each op, as the interpreter stores them. ASM stays in this class.
 */
public final class JvmEmitter {
    private static final String FUNCTION = "dev/kiln/codegen/jvm/KernelFunction";
    private static final String MATH = "java/lang/Math";

    private final Kernel kernel;
    private final MethodVisitor mv;
    private final int[] bufferLocal;
    private int nextLocal = 3; // 0 this, 1 buffers, 2 scalars
    private int innerCounter;
    /** Whether the innermost loop gets a Vector API part (see {@link #vectorizable}). */
    private final boolean vector;
    /** Vector loops contract multiply-adds (the CPU has FMA). */
    private final boolean fma;
    /** Local of the calling thread's scratch array for folding vector sums ({@link KernelFunction#lanes}). */
    private int lanes = -1;

    private JvmEmitter(Kernel kernel, MethodVisitor mv, int bufferCount, boolean vectorApi, boolean fma) {
        this.fma = fma;
        this.kernel = kernel;
        this.mv = mv;
        this.bufferLocal = new int[bufferCount];
        this.vector = vectorApi && vectorizable(kernel);
    }

    /** The class file of {@code kernel}, named {@code className} (internal form, e.g. {@code dev/kiln/cpu/Kernel$1}). */
    public static byte[] emit(Kernel kernel, String className, int bufferCount) {
        return emit(kernel, className, bufferCount, false);
    }

    /**
     * As {@link #emit(Kernel, String, int)}; with {@code vectorApi} (only when the JVM has
     * {@code jdk.incubator.vector}), eligible loops run eight float32 positions at a time.
     */
    public static byte[] emit(Kernel kernel, String className, int bufferCount, boolean vectorApi) {
        return emit(kernel, className, bufferCount, vectorApi, false);
    }

    /**
     * As above; with {@code fma} (only where the CPU has fused multiply-add: the Vector API
     * emulates it, very slowly, elsewhere) the vector loops contract multiply-adds.
     */
    public static byte[] emit(Kernel kernel, String className, int bufferCount, boolean vectorApi, boolean fma) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(V21, ACC_PUBLIC | ACC_FINAL | ACC_SUPER, className, null, "java/lang/Object", new String[] {FUNCTION});
        MethodVisitor init = cw.visitMethod(ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(ALOAD, 0);
        init.visitMethodInsn(INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitInsn(RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        if (chunked(kernel)) {
            MethodVisitor before = method(cw, "before", "([Ljava/lang/Object;[D)V");
            JvmEmitter e = new JvmEmitter(kernel, before, bufferCount, vectorApi, fma);
            e.statements(kernel.prologue());
            e.fills();
            end(before);
            MethodVisitor range = method(cw, "range", "([Ljava/lang/Object;[DII[DI)V");
            e = new JvmEmitter(kernel, range, bufferCount, vectorApi, fma);
            e.nextLocal = 7; // 3 from, 4 to, 5 partials, 6 at
            e.loop(true);
            end(range);
            MethodVisitor after = method(cw, "after", "([Ljava/lang/Object;[D)V");
            new JvmEmitter(kernel, after, bufferCount, vectorApi, fma).statements(kernel.epilogue());
            end(after);
            MethodVisitor rows = method(cw, "rows", "()I");
            new JvmEmitter(kernel, rows, bufferCount, vectorApi, fma).pushInt(kernel.domain().dim(0));
            rows.visitInsn(IRETURN);
            rows.visitMaxs(0, 0);
            rows.visitEnd();
        } else {
            MethodVisitor mv = method(cw, "run", "([Ljava/lang/Object;[D)V");
            new JvmEmitter(kernel, mv, bufferCount, vectorApi, fma).body();
            end(mv);
        }
        cw.visitEnd();
        try {
            return cw.toByteArray();
        } catch (org.objectweb.asm.MethodTooLargeException e) {
            throw new KernelTooLargeException(kernel.name(), e);
        }
    }

    /** Below this many positions a loop runs whole on the calling thread. */
    public static final long CHUNKED_MIN_POSITIONS = 1 << 15;

    /**
     * Whether a kernel is emitted in chunks ({@link KernelFunction#range}): a large loop whose first
     * dimension can be cut, and whose accumulations into buffers keep that dimension (so chunks write
     * disjoint elements; a sum over the first dimension runs whole).
     */
    public static boolean chunked(Kernel kernel) {
        if (!kernel.hasLoop() || kernel.domain().numelLong() < CHUNKED_MIN_POSITIONS || kernel.domain().dim(0) < 2) {
            return false;
        }
        for (Kernel.Accumulate a : kernel.accumulates()) {
            if (kernel.loads().get(a.target()).strides()[0] == 0) {
                return false;
            }
        }
        return true;
    }

    private static MethodVisitor method(ClassWriter cw, String name, String descriptor) {
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC, name, descriptor, null, null);
        mv.visitCode();
        return mv;
    }

    private static void end(MethodVisitor mv) {
        mv.visitInsn(RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    private int newLocal(int size) {
        int l = nextLocal;
        nextLocal += size;
        return l;
    }

    private void body() {
        statements(kernel.prologue());
        if (kernel.hasLoop()) {
            fills();
            loop(false);
        }
        statements(kernel.epilogue());
    }

    /** Scalar statements: evaluate each small expression over slots, store into its slot. */
    private void statements(List<Kernel.Statement> stmts) {
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

    /** float32 values live in float locals and use float arithmetic, which for + - * / rounds exactly as double-then-round does. */
    private static boolean isFloat(Instr i) {
        return i.dtype() == DType.FLOAT32;
    }

    private void store(Instr i, int local) {
        mv.visitVarInsn(isFloat(i) ? FSTORE : DSTORE, local);
    }

    private void pushAsDouble(List<Instr> instrs, int[] locals, int i) {
        if (isFloat(instrs.get(i))) {
            mv.visitVarInsn(FLOAD, locals[i]);
            mv.visitInsn(F2D);
        } else {
            mv.visitVarInsn(DLOAD, locals[i]);
        }
    }

    private void pushAsFloat(List<Instr> instrs, int[] locals, int i) {
        if (isFloat(instrs.get(i))) {
            mv.visitVarInsn(FLOAD, locals[i]);
        } else {
            mv.visitVarInsn(DLOAD, locals[i]);
            mv.visitInsn(D2F);
        }
    }

    /** Accumulation buffers start at 0 (or -inf for max). */
    private void fills() {
        for (Kernel.Accumulate a : kernel.accumulates()) {
            Kernel.Load target = kernel.loads().get(a.target());
            bufferLocal(target.buffer(), target.dtype());
            mv.visitVarInsn(ALOAD, bufferLocal[target.buffer()]);
            mv.visitLdcInsn(a.max() ? Double.NEGATIVE_INFINITY : 0.0);
            mv.visitMethodInsn(INVOKESTATIC, "java/util/Arrays", "fill", "([DD)V", false);
        }
    }

    /** The loop over the domain; {@code ranged}: only rows {@code from..to} of the first dimension, reductions into partials. */
    private void loop(boolean ranged) {
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
        if (vector && !kernel.reductions().isEmpty()) {
            lanes = newLocal(1);
            mv.visitMethodInsn(INVOKESTATIC, FUNCTION, "lanes", "()[D", true);
            mv.visitVarInsn(ASTORE, lanes);
        }
        int[] acc = new int[kernel.reductions().size()];
        for (int r = 0; r < acc.length; r++) {
            acc[r] = newLocal(2);
            mv.visitLdcInsn(kernel.reductions().get(r).max() ? Double.NEGATIVE_INFINITY : 0.0);
            mv.visitVarInsn(DSTORE, acc[r]);
        }
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
                if (vector) {
                    vectorRow(counter[d], ranged && d == 0, dims[d], base, vlocal, acc, out);
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
            value(in, instrLocal, base, kernel.body());
            store(in, instrLocal[i]);
        }
        for (int r = 0; r < acc.length; r++) {
            Kernel.Reduction red = kernel.reductions().get(r);
            mv.visitVarInsn(DLOAD, acc[r]);
            pushAsDouble(kernel.body(), instrLocal, red.instr());
            if (red.max()) {
                mv.visitMethodInsn(INVOKESTATIC, MATH, "max", "(DD)D", false);
            } else {
                mv.visitInsn(DADD);
            }
            mv.visitVarInsn(DSTORE, acc[r]);
        }
        for (Kernel.Accumulate a : kernel.accumulates()) {
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
                // next row of the output
                mv.visitVarInsn(ILOAD, out);
                pushInt(dims[rank - 1]);
                mv.visitInsn(IADD);
                mv.visitVarInsn(ISTORE, out);
            }
        }
        for (int r = 0; r < acc.length; r++) {
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

    // ---------------------------------------------------------------- Vector API loops

    private static final String FV = "jdk/incubator/vector/FloatVector";
    private static final String FV_DESC = "L" + FV + ";";
    private static final String DV = "jdk/incubator/vector/DoubleVector";
    private static final String DV_DESC = "L" + DV + ";";
    private static final String VEC_DESC = "Ljdk/incubator/vector/Vector;";
    private static final String SPECIES_DESC = "Ljdk/incubator/vector/VectorSpecies;";
    /** Lanes per vector (256-bit float vectors). */
    static final int LANES = 8;
    /**
     * Vector sums are widened into float64 vectors every this many positions (256 float additions
     * per lane in between): two conversions and two additions per sum. Folding lane by lane there
     * instead was slow (FloatVector.lane above lane 3 is a slow path; a store and eight loads
     * stall): a stand-alone copy of the 10⁶-point cubic loop ran at about 310 µs that way and 280
     * µs widening, every 512 positions about 380 and 340. A 10⁶-point sum stays within 1e-7 of
     * the exact one (ParallelKernelProperties).
     */
    static final int REDUCTION_BLOCK = 2048;

    /**
     * Loops the Vector API part handles: float32 throughout (loads with unit or zero innermost
     * stride, + − × ÷, negation, tanh, small integer powers), sums, float32 stores; no
     * accumulation into buffers and no inner products. Others stay scalar.
     */
    public static boolean vectorizable(Kernel k) {
        if (!k.hasLoop() || !k.accumulates().isEmpty()) {
            return false;
        }
        for (Kernel.Load l : k.loads()) {
            int last = l.strides()[l.strides().length - 1];
            if (l.dtype() != DType.FLOAT32 || (last != 0 && last != 1)) {
                return false;
            }
        }
        for (Instr in : k.body()) {
            if (in.dtype() != DType.FLOAT32) {
                return false;
            }
            boolean ok = switch (in) {
                case Instr.Load l -> true;
                case Instr.Scalar sc -> true;
                case Instr.Const c -> true;
                case Instr.Apply a -> a.op() instanceof Binary.Add || a.op() instanceof Binary.Sub
                        || a.op() instanceof Binary.Mul || a.op() instanceof Binary.Div || a.op() instanceof Unary.Neg
                        || a.op() instanceof Unary.Tanh
                        || a.op() instanceof Binary.Pow && smallIntegerConstant(k.body(), a.args()[1]) != null
                        && smallIntegerConstant(k.body(), a.args()[1]) >= 1;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        for (Kernel.Reduction r : k.reductions()) {
            if (r.max()) {
                return false;
            }
        }
        for (Kernel.Store st : k.stores()) {
            if (st.dtype() != DType.FLOAT32) {
                return false;
            }
        }
        return true;
    }

    private void species() {
        mv.visitFieldInsn(GETSTATIC, FV, "SPECIES_256", SPECIES_DESC);
    }

    private void broadcastTop() {
        // stack: species, float -> vector
        mv.visitMethodInsn(INVOKESTATIC, FV, "broadcast", "(" + SPECIES_DESC + "F)" + FV_DESC, false);
    }

    /** Scalars and constants of the body as broadcast vectors, once before the loops. */
    private int[] hoistVectors(int[] instrLocal) {
        int[] v = new int[kernel.body().size()];
        for (int i = 0; i < v.length; i++) {
            Instr in = kernel.body().get(i);
            v[i] = newLocal(1);
            if (in instanceof Instr.Scalar || in instanceof Instr.Const) {
                species();
                if (in instanceof Instr.Scalar) {
                    mv.visitVarInsn(FLOAD, instrLocal[i]);
                } else {
                    mv.visitLdcInsn((float) ((Instr.Const) in).value());
                }
                broadcastTop();
                mv.visitVarInsn(ASTORE, v[i]);
            }
        }
        return v;
    }

    /**
     * The vector part of one innermost row: positions {@code j} from the counter's start while eight
     * remain, leaving the counter where the scalar loop takes over. Sums add up in float vectors
     * for {@value #REDUCTION_BLOCK} positions, then widen exactly into float64 vectors (low lanes,
     * then high), and at the row's end into the float64 accumulators lane by lane in order — the
     * same bits however the JIT compiled it, and a fixed order per row or chunk, so the same on
     * any thread count. The row ends at {@code size}, or, for a
     * chunk's first dimension ({@code chunkEnd}), at the {@code to} argument (local 4).
     */
    private void vectorRow(int j, boolean chunkEnd, int size, int[] base, int[] v, int[] acc, int out) {
        int vEnd = newLocal(1);
        // vEnd = j + ((bound - j) & ~(LANES - 1))
        mv.visitVarInsn(ILOAD, j);
        if (chunkEnd) {
            mv.visitVarInsn(ILOAD, 4);
        } else {
            pushInt(size);
        }
        mv.visitVarInsn(ILOAD, j);
        mv.visitInsn(ISUB);
        pushInt(~(LANES - 1));
        mv.visitInsn(IAND);
        mv.visitInsn(IADD);
        mv.visitVarInsn(ISTORE, vEnd);
        int blockEnd = newLocal(1);
        // each sum in a float vector, folded lane by lane into its float64 accumulator every
        // REDUCTION_BLOCK positions
        int[] vacc = new int[acc.length];
        int[] dacc = new int[acc.length];
        for (int r = 0; r < vacc.length; r++) {
            vacc[r] = newLocal(1);
            dacc[r] = newLocal(1);
            mv.visitFieldInsn(GETSTATIC, DV, "SPECIES_256", SPECIES_DESC);
            mv.visitMethodInsn(INVOKESTATIC, DV, "zero", "(" + SPECIES_DESC + ")" + DV_DESC, false);
            mv.visitVarInsn(ASTORE, dacc[r]);
        }
        Label blocks = new Label();
        Label done = new Label();
        mv.visitLabel(blocks);
        mv.visitVarInsn(ILOAD, j);
        mv.visitVarInsn(ILOAD, vEnd);
        mv.visitJumpInsn(IF_ICMPGE, done);
        // blockEnd = min(j + BLOCK, vEnd)
        mv.visitVarInsn(ILOAD, j);
        pushInt(REDUCTION_BLOCK);
        mv.visitInsn(IADD);
        mv.visitVarInsn(ILOAD, vEnd);
        mv.visitMethodInsn(INVOKESTATIC, MATH, "min", "(II)I", false);
        mv.visitVarInsn(ISTORE, blockEnd);
        for (int r = 0; r < vacc.length; r++) {
            species();
            mv.visitMethodInsn(INVOKESTATIC, FV, "zero", "(" + SPECIES_DESC + ")" + FV_DESC, false);
            mv.visitVarInsn(ASTORE, vacc[r]);
        }
        Label top = new Label();
        Label blockDone = new Label();
        mv.visitLabel(top);
        mv.visitVarInsn(ILOAD, j);
        mv.visitVarInsn(ILOAD, blockEnd);
        mv.visitJumpInsn(IF_ICMPGE, blockDone);
        List<Instr> body = kernel.body();
        int[] fused = contractions();
        for (int i = 0; i < body.size(); i++) {
            Instr in = body.get(i);
            if (in instanceof Instr.Scalar || in instanceof Instr.Const || fused[i] == CONTRACTED) {
                continue;
            }
            if (fused[i] >= 0) { // a + b*c or b*c + a as one fused multiply-add
                int[] args = ((Instr.Apply) in).args();
                int product = fused[i];
                fma(product, v, v[args[0] == product ? args[1] : args[0]]);
            } else {
                vectorValue(in, v, base, j);
            }
            mv.visitVarInsn(ASTORE, v[i]);
        }
        for (int r = 0; r < vacc.length; r++) {
            int summed = kernel.reductions().get(r).instr();
            if (fused[summed] == CONTRACTED) { // acc + b*c
                fma(summed, v, vacc[r]);
            } else {
                mv.visitVarInsn(ALOAD, vacc[r]);
                mv.visitVarInsn(ALOAD, v[summed]);
                lanewise("add");
            }
            mv.visitVarInsn(ASTORE, vacc[r]);
        }
        for (Kernel.Store st : kernel.stores()) {
            mv.visitVarInsn(ALOAD, v[st.instr()]);
            mv.visitVarInsn(ALOAD, bufferLocal[st.buffer()]);
            mv.visitVarInsn(ILOAD, out);
            mv.visitVarInsn(ILOAD, j);
            mv.visitInsn(IADD);
            mv.visitMethodInsn(INVOKEVIRTUAL, FV, "intoArray", "([FI)V", false);
        }
        mv.visitIincInsn(j, LANES);
        mv.visitJumpInsn(GOTO, top);
        mv.visitLabel(blockDone);
        for (int r = 0; r < vacc.length; r++) {
            // each block's float lanes widen exactly into float64 lanes (low four, then high four)
            for (int part = 0; part < 2; part++) {
                mv.visitVarInsn(ALOAD, dacc[r]);
                mv.visitVarInsn(ALOAD, vacc[r]);
                mv.visitFieldInsn(GETSTATIC, "jdk/incubator/vector/VectorOperators", "F2D",
                        "Ljdk/incubator/vector/VectorOperators$Conversion;");
                mv.visitFieldInsn(GETSTATIC, DV, "SPECIES_256", SPECIES_DESC);
                pushInt(part);
                mv.visitMethodInsn(INVOKEVIRTUAL, FV, "convertShape",
                        "(Ljdk/incubator/vector/VectorOperators$Conversion;" + SPECIES_DESC + "I)" + VEC_DESC, false);
                mv.visitMethodInsn(INVOKEVIRTUAL, DV, "add", "(" + VEC_DESC + ")" + DV_DESC, false);
                mv.visitVarInsn(ASTORE, dacc[r]);
            }
        }
        mv.visitJumpInsn(GOTO, blocks);
        mv.visitLabel(done);
        for (int r = 0; r < vacc.length; r++) {
            // the row's float64 lanes into the accumulator in lane order, through a scratch array
            mv.visitVarInsn(ALOAD, dacc[r]);
            mv.visitVarInsn(ALOAD, lanes);
            pushInt(0);
            mv.visitMethodInsn(INVOKEVIRTUAL, DV, "intoArray", "([DI)V", false);
            for (int lane = 0; lane < LANES / 2; lane++) {
                mv.visitVarInsn(DLOAD, acc[r]);
                mv.visitVarInsn(ALOAD, lanes);
                pushInt(lane);
                mv.visitInsn(DALOAD);
                mv.visitInsn(DADD);
                mv.visitVarInsn(DSTORE, acc[r]);
            }
        }
    }

    /** Marks a product computed inside the fused multiply-add that is its only use. */
    private static final int CONTRACTED = -2;

    /**
     * Multiply-add contraction for the vector loop (as C compilers contract {@code a + b*c}): for
     * each instruction, the product it absorbs ({@code >= 0}), {@link #CONTRACTED} for a product
     * whose only use is an addition or a sum that absorbs it, or -1. One rounding instead of two:
     * the vector loop's values may differ from the scalar loop's in the last bit (the interpreter
     * agrees with both within float32 tolerance); they never depend on the thread count.
     */
    private int[] contractions() {
        List<Instr> body = kernel.body();
        int[] fused = new int[body.size()];
        java.util.Arrays.fill(fused, -1);
        if (!fma) {
            return fused;
        }
        int[] uses = new int[body.size()];
        for (Instr in : body) {
            if (in instanceof Instr.Apply a) {
                for (int x : a.args()) {
                    uses[x]++;
                }
            }
        }
        for (Kernel.Reduction r : kernel.reductions()) {
            uses[r.instr()]++;
        }
        for (Kernel.Store st : kernel.stores()) {
            uses[st.instr()]++;
        }
        for (int i = 0; i < body.size(); i++) {
            if (body.get(i) instanceof Instr.Apply a && a.op() instanceof Binary.Add) {
                for (int x : a.args()) {
                    if (fused[i] < 0 && uses[x] == 1 && isVectorProduct(body.get(x)) && fused[x] == -1) {
                        fused[i] = x;
                        fused[x] = CONTRACTED;
                    }
                }
            }
        }
        for (Kernel.Reduction r : kernel.reductions()) {
            if (uses[r.instr()] == 1 && isVectorProduct(body.get(r.instr())) && fused[r.instr()] == -1) {
                fused[r.instr()] = CONTRACTED;
            }
        }
        return fused;
    }

    private static boolean isVectorProduct(Instr in) {
        return in instanceof Instr.Apply a && a.op() instanceof Binary.Mul;
    }

    /** Pushes {@code b.fma(c, addend)} for the product instruction {@code product = b*c} (its factors in {@code v}). */
    private void fma(int product, int[] v, int addend) {
        int[] factors = ((Instr.Apply) kernel.body().get(product)).args();
        mv.visitVarInsn(ALOAD, v[factors[0]]);
        mv.visitVarInsn(ALOAD, v[factors[1]]);
        mv.visitVarInsn(ALOAD, addend);
        fma();
    }

    /** stack: b, c, a -> b.fma(c, a) = b*c + a, one rounding. */
    private void fma() {
        mv.visitMethodInsn(INVOKEVIRTUAL, FV, "fma", "(" + VEC_DESC + VEC_DESC + ")" + FV_DESC, false);
    }

    /** Pushes the vector of eight positions from {@code j} for a body instruction. */
    private void vectorValue(Instr in, int[] v, int[] base, int j) {
        switch (in) {
            case Instr.Load l -> {
                Kernel.Load load = kernel.loads().get(l.load());
                int last = load.strides()[load.strides().length - 1];
                species();
                mv.visitVarInsn(ALOAD, bufferLocal[load.buffer()]);
                mv.visitVarInsn(ILOAD, base[l.load()]);
                if (last == 0) {
                    mv.visitInsn(FALOAD);
                    broadcastTop();
                } else {
                    mv.visitVarInsn(ILOAD, j);
                    mv.visitInsn(IADD);
                    mv.visitMethodInsn(INVOKESTATIC, FV, "fromArray", "(" + SPECIES_DESC + "[FI)" + FV_DESC, false);
                }
            }
            case Instr.Apply a -> {
                int[] args = a.args();
                switch (a.op()) {
                    case Unary.Neg n -> {
                        mv.visitVarInsn(ALOAD, v[args[0]]);
                        mv.visitMethodInsn(INVOKEVIRTUAL, FV, "neg", "()" + FV_DESC, false);
                    }
                    case Unary.Tanh t -> vectorTanh(v[args[0]]);
                    case Binary.Pow p -> vectorPower(v[args[0]], smallIntegerConstant(kernel.body(), args[1]));
                    default -> {
                        mv.visitVarInsn(ALOAD, v[args[0]]);
                        mv.visitVarInsn(ALOAD, v[args[1]]);
                        lanewise(switch (a.op()) {
                            case Binary.Add x -> "add";
                            case Binary.Sub x -> "sub";
                            case Binary.Mul x -> "mul";
                            default -> "div";
                        });
                    }
                }
            }
            default -> throw new IllegalStateException("not vectorized: " + in);
        }
    }

    /** stack: vector, vector -> vector.name(vector). */
    private void lanewise(String name) {
        mv.visitMethodInsn(INVOKEVIRTUAL, FV, name, "(" + VEC_DESC + ")" + FV_DESC, false);
    }

    /** x^n (1 <= n <= 16) by squaring in float vectors. */
    private void vectorPower(int x, int n) {
        int result = newLocal(1);
        int base = newLocal(1);
        mv.visitVarInsn(ALOAD, x);
        mv.visitVarInsn(ASTORE, base);
        boolean first = true;
        for (int m = n; m > 0; m >>= 1) {
            if ((m & 1) != 0) {
                if (first) {
                    mv.visitVarInsn(ALOAD, base);
                } else {
                    mv.visitVarInsn(ALOAD, result);
                    mv.visitVarInsn(ALOAD, base);
                    lanewise("mul");
                }
                mv.visitVarInsn(ASTORE, result);
                first = false;
            }
            if (m > 1) {
                mv.visitVarInsn(ALOAD, base);
                mv.visitInsn(DUP);
                lanewise("mul");
                mv.visitVarInsn(ASTORE, base);
            }
        }
        mv.visitVarInsn(ALOAD, result);
    }

    /** The float32 tanh of {@link #floatTanh} on a vector. */
    private void vectorTanh(int in) {
        int x = newLocal(1);
        int x2 = newLocal(1);
        mv.visitVarInsn(ALOAD, in);
        species();
        mv.visitLdcInsn(TANH_CLAMP);
        broadcastTop();
        lanewise("min");
        species();
        mv.visitLdcInsn(-TANH_CLAMP);
        broadcastTop();
        lanewise("max");
        mv.visitVarInsn(ASTORE, x);
        mv.visitVarInsn(ALOAD, x);
        mv.visitVarInsn(ALOAD, x);
        lanewise("mul");
        mv.visitVarInsn(ASTORE, x2);
        vectorPolynomial(TANH_P, x2);
        mv.visitVarInsn(ALOAD, x);
        lanewise("mul");
        vectorPolynomial(TANH_Q, x2);
        lanewise("div");
    }

    private void vectorPolynomial(float[] c, int v) {
        species();
        mv.visitLdcInsn(c[0]);
        broadcastTop();
        for (int i = 1; i < c.length; i++) {
            mv.visitVarInsn(ALOAD, v);
            if (fma) { // Horner steps as fused multiply-adds
                species();
                mv.visitLdcInsn(c[i]);
                broadcastTop();
                fma();
            } else {
                lanewise("mul");
                species();
                mv.visitLdcInsn(c[i]);
                broadcastTop();
                lanewise("add");
            }
        }
    }

    private void bufferLocal(int buffer, DType dtype) {
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

    private static String arrayType(DType t) {
        return switch (t) {
            case FLOAT32 -> "[F";
            case FLOAT64 -> "[D";
            case INT64 -> "[J";
            case INT32 -> "[I";
            case BOOL -> "[Z";
        };
    }

    /**
     * Pushes the value of {@code in} — a float for float32 instructions, else a double;
     * {@code locals} hold earlier values, {@code base} the loads' indices (null outside the loop).
     */
    private void value(Instr in, int[] locals, int[] base, List<Instr> instrs) {
        switch (in) {
            case Instr.Load l -> {
                Kernel.Load load = kernel.loads().get(l.load());
                mv.visitVarInsn(ALOAD, bufferLocal[load.buffer()]);
                positionIndex(l.load(), base);
                if (load.dtype() == DType.FLOAT32) {
                    mv.visitInsn(FALOAD);
                    if (!isFloat(in)) {
                        mv.visitInsn(F2D);
                    }
                } else {
                    loadElement(load.dtype());
                    if (isFloat(in)) {
                        mv.visitInsn(D2F);
                    }
                }
            }
            case Instr.Scalar s -> {
                mv.visitVarInsn(ALOAD, 2);
                pushInt(s.slot());
                mv.visitInsn(DALOAD);
                if (isFloat(in)) {
                    mv.visitInsn(D2F);
                }
            }
            case Instr.Const c -> {
                if (isFloat(in)) {
                    mv.visitLdcInsn((float) c.value());
                } else {
                    mv.visitLdcInsn(c.value());
                }
            }
            case Instr.Apply a -> apply(a, locals, instrs);
            case Instr.Dot d -> dot(d, base);
        }
    }

    /**
     * Σ_k A[a + k·sA]·B[b + k·sB] in double, then rounded to the result type. Long inner products
     * use four accumulators (a sum is otherwise bound by the latency of one add per element), so
     * their rounding differs from the interpreter's single running sum within float tolerance.
     */
    private void dot(Instr.Dot d, int[] base) {
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
    private void multiplyAdd(Instr.Dot d, int acc, int ia, int ib, int kk, int u) {
        mv.visitVarInsn(DLOAD, acc);
        operandElement(d.loadA(), ia, kk, u, d.strideA());
        operandElement(d.loadB(), ib, kk, u, d.strideB());
        mv.visitInsn(DMUL);
        mv.visitInsn(DADD);
        mv.visitVarInsn(DSTORE, acc);
    }

    /**
     * Pushes the storage index load {@code l} points at for the current position: the row's base plus
     * the innermost counter times the last stride — one induction variable for every access, so the
     * JIT can drop the range checks and unroll.
     */
    private void positionIndex(int l, int[] base) {
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

    /** Pushes, as a double, element {@code index + (k+u)·stride} of load {@code l}'s buffer. */
    private void operandElement(int l, int index, int k, int u, int stride) {
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

    private void apply(Instr.Apply a, int[] locals, List<Instr> instrs) {
        int[] args = a.args();
        if (isFloat(a) && floatArithmetic(a, instrs)) {
            for (int arg : args) {
                pushAsFloat(instrs, locals, arg);
            }
            mv.visitInsn(switch (a.op()) {
                case Binary.Add x -> FADD;
                case Binary.Sub x -> FSUB;
                case Binary.Mul x -> FMUL;
                case Binary.Div x -> FDIV;
                default -> FNEG;
            });
            return;
        }
        if (isFloat(a) && a.op() instanceof Unary.Tanh && isFloat(instrs.get(args[0]))) {
            pushAsFloat(instrs, locals, args[0]);
            floatTanh();
            return;
        }
        if (a.op() instanceof Binary.Pow && smallIntegerConstant(instrs, args[1]) != null) {
            pushAsDouble(instrs, locals, args[0]);
            int x = newLocal(2);
            mv.visitVarInsn(DSTORE, x);
            powByMultiplication(x, smallIntegerConstant(instrs, args[1]));
        } else {
            for (int arg : args) {
                pushAsDouble(instrs, locals, arg);
            }
            applyDouble(a);
        }
        if (isFloat(a)) {
            mv.visitInsn(D2F);
        }
    }

    /** Where the float32 tanh saturates: beyond it the rational form below is within rounding of ±1. */
    static final float TANH_CLAMP = 7.90531110763549805f;
    /**
     * Odd numerator, x^13 down to x^1, and even denominator, x^6 down to x^0, of a rational minimax
     * tanh for float32, both divided by the numerator's x^1 coefficient so that tiny and subnormal
     * arguments come out as themselves instead of underflowing.
     */
    static final float[] TANH_P = normalized(-2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11,
            5.12229709037114e-08, 1.48572235717979e-05, 6.37261928875436e-04, 4.89352455891786e-03);
    static final float[] TANH_Q = normalized(1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03,
            4.89352518554385e-03);

    private static float[] normalized(double... c) {
        float[] f = new float[c.length];
        for (int i = 0; i < c.length; i++) {
            f[i] = (float) (c[i] / 4.89352455891786e-03);
        }
        return f;
    }

    /**
     * float32 tanh of the float on the stack, as a rational function of the clamped argument (the
     * well-known odd/even minimax form also used by Eigen): branch-free float arithmetic, so C2 can
     * vectorize the loop, about 17x faster here than {@code Math.tanh} in double, and within 4e-7
     * relative of it over every float (tested).
     */
    private void floatTanh() {
        int x = newLocal(1);
        int x2 = newLocal(1);
        mv.visitLdcInsn(TANH_CLAMP);
        mv.visitMethodInsn(INVOKESTATIC, MATH, "min", "(FF)F", false);
        mv.visitLdcInsn(-TANH_CLAMP);
        mv.visitMethodInsn(INVOKESTATIC, MATH, "max", "(FF)F", false);
        mv.visitInsn(DUP);
        mv.visitVarInsn(FSTORE, x);
        mv.visitInsn(DUP);
        mv.visitInsn(FMUL);
        mv.visitVarInsn(FSTORE, x2);
        polynomial(TANH_P, x2);
        mv.visitVarInsn(FLOAD, x);
        mv.visitInsn(FMUL);
        polynomial(TANH_Q, x2);
        mv.visitInsn(FDIV);
    }

    /** Pushes c[0]·v^(n-1) + ... + c[n-1] by Horner's rule, v a float local. */
    private void polynomial(float[] c, int v) {
        mv.visitLdcInsn(c[0]);
        for (int i = 1; i < c.length; i++) {
            mv.visitVarInsn(FLOAD, v);
            mv.visitInsn(FMUL);
            mv.visitLdcInsn(c[i]);
            mv.visitInsn(FADD);
        }
    }

    /** + - * / and negation of float32 values: float arithmetic gives the same bits as double-then-round. */
    private static boolean floatArithmetic(Instr.Apply a, List<Instr> instrs) {
        boolean op = a.op() instanceof Binary.Add || a.op() instanceof Binary.Sub || a.op() instanceof Binary.Mul
                || a.op() instanceof Binary.Div || a.op() instanceof Unary.Neg;
        if (!op) {
            return false;
        }
        for (int arg : a.args()) {
            if (!isFloat(instrs.get(arg))) {
                return false;
            }
        }
        return true;
    }

    private void applyDouble(Instr.Apply a) {
        switch (a.op()) {
            case Unary u -> unary(u);
            case Binary b -> binary(b);
            case Compare c -> compare(c);
            case Where w -> {
                // stack: cond, a, b -> cond != 0 ? a : b
                int bl = newLocal(2);
                int al = newLocal(2);
                mv.visitVarInsn(DSTORE, bl);
                mv.visitVarInsn(DSTORE, al);
                mv.visitInsn(DCONST_0);
                mv.visitInsn(DCMPL);
                Label takeB = new Label();
                Label done = new Label();
                mv.visitJumpInsn(IFEQ, takeB);
                mv.visitVarInsn(DLOAD, al);
                mv.visitJumpInsn(GOTO, done);
                mv.visitLabel(takeB);
                mv.visitVarInsn(DLOAD, bl);
                mv.visitLabel(done);
            }
            case Cast c -> cast(c.to());
            // no default: a new primitive fails to compile here until it is emitted or listed
            case Leaf _, Reduce _, Movement _, MatMul _, Call _, Barrier _, Detach _, Draw _ ->
                    throw new IllegalArgumentException("not an elementwise op: " + a.op());
        }
    }

    /** The value of instruction {@code i} if it is a constant small integer (|n| <= 16), else null. */
    private static Integer smallIntegerConstant(List<Instr> instrs, int i) {
        if (instrs.get(i) instanceof Instr.Const c
                && c.value() == Math.rint(c.value()) && Math.abs(c.value()) <= 16) {
            return (int) c.value();
        }
        return null;
    }

    /** x^n by squaring, the very sequence of {@code Semantics.pow}, unrolled: bit for bit the same result. */
    private void powByMultiplication(int x, int n) {
        int result = newLocal(2);
        int base = newLocal(2);
        mv.visitInsn(DCONST_1);
        mv.visitVarInsn(DSTORE, result);
        mv.visitVarInsn(DLOAD, x);
        mv.visitVarInsn(DSTORE, base);
        for (int m = Math.abs(n); m > 0; m >>= 1) {
            if ((m & 1) != 0) {
                mv.visitVarInsn(DLOAD, result);
                mv.visitVarInsn(DLOAD, base);
                mv.visitInsn(DMUL);
                mv.visitVarInsn(DSTORE, result);
            }
            if (m > 1) {
                mv.visitVarInsn(DLOAD, base);
                mv.visitInsn(DUP2);
                mv.visitInsn(DMUL);
                mv.visitVarInsn(DSTORE, base);
            }
        }
        if (n < 0) {
            mv.visitInsn(DCONST_1);
            mv.visitVarInsn(DLOAD, result);
            mv.visitInsn(DDIV);
        } else {
            mv.visitVarInsn(DLOAD, result);
        }
    }

    private void unary(Unary u) {
        switch (u) {
            case Unary.Neg n -> mv.visitInsn(DNEG);
            case Unary.Abs x -> math("abs");
            case Unary.Exp x -> math("exp");
            case Unary.Log x -> math("log");
            case Unary.Sin x -> math("sin");
            case Unary.Cos x -> math("cos");
            case Unary.Sqrt x -> math("sqrt");
            case Unary.Tanh x -> math("tanh");
        }
    }

    private void math(String name) {
        mv.visitMethodInsn(INVOKESTATIC, MATH, name, "(D)D", false);
    }

    private void binary(Binary b) {
        switch (b) {
            case Binary.Add x -> mv.visitInsn(DADD);
            case Binary.Sub x -> mv.visitInsn(DSUB);
            case Binary.Mul x -> mv.visitInsn(DMUL);
            case Binary.Div x -> mv.visitInsn(DDIV);
            case Binary.Pow x -> mv.visitMethodInsn(INVOKESTATIC, "dev/kiln/ir/Semantics", "pow", "(DD)D", false);
            case Binary.Maximum x -> mv.visitMethodInsn(INVOKESTATIC, MATH, "max", "(DD)D", false);
            case Binary.Minimum x -> mv.visitMethodInsn(INVOKESTATIC, MATH, "min", "(DD)D", false);
        }
    }

    /** IEEE comparisons: NaN compares false, except for "not equal". */
    private void compare(Compare c) {
        int jump = switch (c) {
            case Compare.Lt x -> { mv.visitInsn(DCMPG); yield IFLT; }
            case Compare.Le x -> { mv.visitInsn(DCMPG); yield IFLE; }
            case Compare.Gt x -> { mv.visitInsn(DCMPL); yield IFGT; }
            case Compare.Ge x -> { mv.visitInsn(DCMPL); yield IFGE; }
            case Compare.Eq x -> { mv.visitInsn(DCMPL); yield IFEQ; }
            case Compare.Ne x -> { mv.visitInsn(DCMPL); yield IFNE; }
        };
        boolToDouble(jump);
    }

    private void boolToDouble(int jumpIfTrue) {
        Label yes = new Label();
        Label done = new Label();
        mv.visitJumpInsn(jumpIfTrue, yes);
        mv.visitInsn(DCONST_0);
        mv.visitJumpInsn(GOTO, done);
        mv.visitLabel(yes);
        mv.visitInsn(DCONST_1);
        mv.visitLabel(done);
    }

    private void cast(DType to) {
        switch (to) {
            case FLOAT32, FLOAT64 -> { } // apply() rounds float32 results to float
            case BOOL -> {
                mv.visitInsn(DCONST_0);
                mv.visitInsn(DCMPL);
                boolToDouble(IFNE);
            }
            default -> throw new IllegalArgumentException("casts to " + to + " are not fused");
        }
    }

    private void loadElement(DType t) {
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

    private void storeElement(DType t) {
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
            default -> throw new IllegalArgumentException("stores of " + t + " are not fused");
        }
    }

    private void pushInt(int v) {
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
