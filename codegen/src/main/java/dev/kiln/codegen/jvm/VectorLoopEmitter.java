package dev.kiln.codegen.jvm;

import dev.kiln.ir.Elementwise;
import static org.objectweb.asm.Opcodes.*;

import dev.kiln.DType;
import dev.kiln.codegen.kernel.Instr;
import dev.kiln.codegen.kernel.Kernel;
import dev.kiln.ir.Binary;
import dev.kiln.ir.Cast;
import dev.kiln.ir.Compare;
import dev.kiln.ir.Unary;
import dev.kiln.ir.Where;
import java.util.List;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * The Vector API part of an innermost loop: a vector of float32 positions at a time (4, 8 or 16
 * lanes, {@link JvmEmitter.Options#bits()}), broadcast scalars,
 * fused multiply-adds where the CPU has them, sums widened into float64 vectors.
 */
abstract class VectorLoopEmitter extends ExpressionEmitter {
    VectorLoopEmitter(Kernel kernel, MethodVisitor mv, int bufferCount, JvmEmitter.Options options) {
        super(kernel, mv, bufferCount, options);
    }

    // ---------------------------------------------------------------- Vector API loops

    static final String FV = "jdk/incubator/vector/FloatVector";
    static final String FV_DESC = "L" + FV + ";";
    static final String DV = "jdk/incubator/vector/DoubleVector";
    static final String DV_DESC = "L" + DV + ";";
    static final String VEC_DESC = "Ljdk/incubator/vector/Vector;";
    static final String SPECIES_DESC = "Ljdk/incubator/vector/VectorSpecies;";
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
     * Loops the Vector API part handles: float32 throughout (loads with unit or zero innermost stride,
     * and float64 accumulators read once a row, rounded to float32; + − × ÷, negation, abs, sqrt,
     * maximum, minimum, tanh, exp and erf ({@link VectorMath}), small integer powers), sums, float32 stores; no
     * accumulation into buffers and no inner products. Others stay scalar.
     */
    public static boolean vectorizable(Kernel k) {
        if (!k.hasLoop()) {
            return false;
        }
        int[] rowSum = rowSums(k);
        java.util.Set<Integer> targets = new java.util.HashSet<>();
        for (int a = 0; a < rowSum.length; a++) {
            if (rowSum[a] < 0 || k.accumulates().get(a).max()) {
                return false; // only sums along the row into one element vectorize
            }
            targets.add(k.accumulates().get(a).target());
        }
        for (int i = 0; i < k.loads().size(); i++) {
            Kernel.Load l = k.loads().get(i);
            int last = l.strides()[l.strides().length - 1];
            // a float64 buffer read once per row (a max or sum accumulator, as a softmax reads its row's maximum) is
            // rounded to float32 and broadcast, as the scalar form rounds it
            boolean rowAccumulator = l.dtype() == DType.FLOAT64 && last == 0;
            if (!targets.contains(i) && !rowAccumulator && (l.dtype() != DType.FLOAT32 || (last != 0 && last != 1))) {
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
                case Instr.Dot d -> false;
                case Instr.Apply a -> a.op() instanceof Binary.Add || a.op() instanceof Binary.Sub
                        || a.op() instanceof Binary.Mul || a.op() instanceof Binary.Div || a.op() instanceof Unary.Neg
                        || a.op() instanceof Unary.Tanh || a.op() instanceof Unary.Exp || a.op() instanceof Unary.Sqrt
                        || a.op() instanceof Unary.Erf
                        || a.op() instanceof Unary.Abs || a.op() instanceof Binary.Maximum || a.op() instanceof Binary.Minimum
                        || a.op() instanceof Binary.Pow && smallIntegerConstant(k.body(), a.args()[1]) != null
                        && smallIntegerConstant(k.body(), a.args()[1]) >= 1;
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

    void species() {
        mv.visitFieldInsn(GETSTATIC, FV, speciesField, SPECIES_DESC);
    }

    void broadcastTop() {
        // stack: species, float -> vector
        mv.visitMethodInsn(INVOKESTATIC, FV, "broadcast", "(" + SPECIES_DESC + "F)" + FV_DESC, false);
    }

    /** Scalars and constants of the body as broadcast vectors, once before the loops. */
    int[] hoistVectors(int[] instrLocal) {
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
     * {@code vEnd = j + ((bound - j) & ~(laneCount - 1))}: where a row's vector part ends (whole vectors
     * from {@code j}); the bound is {@code size}, or the {@code to} argument (local 4) for a chunk.
     */
    void storeVectorEnd(int j, boolean chunkEnd, int size, int vEnd) {
        mv.visitVarInsn(ILOAD, j);
        if (chunkEnd) {
            mv.visitVarInsn(ILOAD, 4);
        } else {
            pushInt(size);
        }
        mv.visitVarInsn(ILOAD, j);
        mv.visitInsn(ISUB);
        pushInt(~(laneCount - 1));
        mv.visitInsn(IAND);
        mv.visitInsn(IADD);
        mv.visitVarInsn(ISTORE, vEnd);
    }

    /**
     * The vector part of one innermost row: positions {@code j} from the counter's start while a vector's
     * remain, leaving the counter where the scalar loop takes over. Sums add up in float vectors
     * for {@value #REDUCTION_BLOCK} positions, then widen exactly into float64 vectors (low lanes,
     * then high), and at the row's end are summed in a fixed order ({@link FloatMath#laneSum}, with
     * {@link VectorMath#SWAP8_4} and its kind) into the float64 accumulators — the
     * same bits however the JIT compiled it, and a fixed order per row or chunk, so the same on
     * any thread count. The row ends at {@code size}, or, for a
     * chunk's first dimension ({@code chunkEnd}), at the {@code to} argument (local 4).
     */
    void vectorRow(int j, boolean chunkEnd, int size, int[] base, int[] v, int[] acc, int out) {
        int vEnd = newLocal(1);
        storeVectorEnd(j, chunkEnd, size, vEnd);
        int blockEnd = newLocal(1);
        // each sum in a float vector, widened into its float64 vector every REDUCTION_BLOCK positions
        int[] vacc = new int[acc.length];
        int[] dacc = new int[acc.length];
        for (int r = 0; r < vacc.length; r++) {
            vacc[r] = newLocal(1);
            dacc[r] = newLocal(1);
            mv.visitFieldInsn(GETSTATIC, DV, speciesField, SPECIES_DESC);
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
        if (unrolled(acc.length)) {
            // UNROLL vectors per pass while that many remain in the block, then one at a time
            Label whole = new Label();
            mv.visitLabel(whole);
            mv.visitVarInsn(ILOAD, j);
            pushInt((UNROLL - 1) * laneCount);
            mv.visitInsn(IADD);
            mv.visitVarInsn(ILOAD, blockEnd);
            mv.visitJumpInsn(IF_ICMPGE, top);
            for (int u = 0; u < UNROLL; u++) {
                vectorBody(v, base, j, vacc, out);
                mv.visitIincInsn(j, laneCount);
            }
            mv.visitJumpInsn(GOTO, whole);
        }
        mv.visitLabel(top);
        mv.visitVarInsn(ILOAD, j);
        mv.visitVarInsn(ILOAD, blockEnd);
        mv.visitJumpInsn(IF_ICMPGE, blockDone);
        vectorBody(v, base, j, vacc, out);
        mv.visitIincInsn(j, laneCount);
        mv.visitJumpInsn(GOTO, top);
        mv.visitLabel(blockDone);
        for (int r = 0; r < vacc.length; r++) {
            // each block's float lanes widen exactly into float64 lanes (low half, then high half)
            for (int part = 0; part < 2; part++) {
                mv.visitVarInsn(ALOAD, dacc[r]);
                mv.visitVarInsn(ALOAD, vacc[r]);
                mv.visitFieldInsn(GETSTATIC, "jdk/incubator/vector/VectorOperators", "F2D",
                        "Ljdk/incubator/vector/VectorOperators$Conversion;");
                mv.visitFieldInsn(GETSTATIC, DV, speciesField, SPECIES_DESC);
                pushInt(part);
                mv.visitMethodInsn(INVOKEVIRTUAL, FV, "convertShape",
                        "(Ljdk/incubator/vector/VectorOperators$Conversion;" + SPECIES_DESC + "I)" + VEC_DESC, false);
                mv.visitMethodInsn(INVOKEVIRTUAL, DV, "add", "(" + VEC_DESC + ")" + DV_DESC, false);
                mv.visitVarInsn(ASTORE, dacc[r]);
            }
        }
        mv.visitJumpInsn(GOTO, blocks);
        mv.visitLabel(done);
        int doubles = laneCount / 2;
        for (int r = 0; r < vacc.length; r++) {
            // the row's float64 lanes summed in FloatMath.laneSum's fixed order (VectorMath.SWAP...), then added to
            // the accumulator
            mv.visitVarInsn(DLOAD, acc[r]);
            mv.visitVarInsn(ALOAD, dacc[r]);
            for (int half = doubles / 2; half >= 1; half /= 2) {
                mv.visitInsn(DUP);
                mv.visitFieldInsn(GETSTATIC, "dev/kiln/codegen/jvm/VectorMath", "SWAP" + doubles + "_" + half,
                        "Ljdk/incubator/vector/VectorShuffle;");
                mv.visitMethodInsn(INVOKEVIRTUAL, DV, "rearrange", "(Ljdk/incubator/vector/VectorShuffle;)" + DV_DESC, false);
                mv.visitMethodInsn(INVOKEVIRTUAL, DV, "add", "(" + VEC_DESC + ")" + DV_DESC, false);
            }
            pushInt(0);
            mv.visitMethodInsn(INVOKEVIRTUAL, DV, "lane", "(I)D", false);
            mv.visitInsn(DADD);
            mv.visitVarInsn(DSTORE, acc[r]);
        }
    }

    /** Vectors per pass of an unrolled loop (see {@link #unrolled}). */
    static final int UNROLL = 4;
    /** The largest loop body that is unrolled. */
    static final int UNROLL_MAX_BODY = 24;

    /**
     * Whether a loop's vector part is emitted four vectors per pass: a short body with sums. Each
     * sum still adds its vectors one after another, so the bits are those of the loop one vector
     * at a time. Measured on the seed's loop (21 values, 5 sums): one vector per pass ran at half
     * the speed of the same loop written by hand at 2000 points (622 vs 310 ns; at 1024 points 210
     * vs 172), and at 366 ns when C2's own unrolling was capped ({@code -XX:LoopMaxUnroll=4});
     * four vectors per pass gave 430–480 ns, and the compiled step at 2000 points 1023 ns instead of 1171.
     */
    private boolean unrolled(int sums) {
        return sums > 0 && kernel.body().size() <= UNROLL_MAX_BODY;
    }

    /** One vector of positions at {@code j}: the body's values, the sums, the stores. */
    private void vectorBody(int[] v, int[] base, int j, int[] vacc, int out) {
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
            int summed = sumInstr[r];
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
    }

    /** Marks a product computed inside the fused multiply-add that is its only use. */
    static final int CONTRACTED = -2;

    /**
     * Multiply-add contraction for the vector loop (as C compilers contract {@code a + b*c}): for
     * each instruction, the product it absorbs ({@code >= 0}), {@link #CONTRACTED} for a product
     * whose only use is an addition or a sum that absorbs it, or -1. One rounding instead of two:
     * the vector loop's values may differ from the scalar loop's in the last bit (the interpreter
     * agrees with both within float32 tolerance); they never depend on the thread count.
     */
    int[] contractions() {
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
        for (Kernel.Accumulate a : kernel.accumulates()) {
            uses[a.instr()]++;
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
        for (int r = 0; r < sumInstr.length; r++) { // the loop's sums: full reductions and row sums
            int summed = sumInstr[r];
            if (!sumMax[r] && uses[summed] == 1 && isVectorProduct(body.get(summed)) && fused[summed] == -1) {
                fused[summed] = CONTRACTED;
            }
        }
        return fused;
    }

    static boolean isVectorProduct(Instr in) {
        return in instanceof Instr.Apply a && a.op() instanceof Binary.Mul;
    }

    /** Pushes {@code b.fma(c, addend)} for the product instruction {@code product = b*c} (its factors in {@code v}). */
    void fma(int product, int[] v, int addend) {
        int[] factors = ((Instr.Apply) kernel.body().get(product)).args();
        mv.visitVarInsn(ALOAD, v[factors[0]]);
        mv.visitVarInsn(ALOAD, v[factors[1]]);
        mv.visitVarInsn(ALOAD, addend);
        fma();
    }

    /** stack: b, c, a -> b.fma(c, a) = b*c + a, one rounding. */
    void fma() {
        mv.visitMethodInsn(INVOKEVIRTUAL, FV, "fma", "(" + VEC_DESC + VEC_DESC + ")" + FV_DESC, false);
    }

    /** Pushes the vector of positions from {@code j} for a body instruction. */
    void vectorValue(Instr in, int[] v, int[] base, int j) {
        switch (in) {
            case Instr.Load l -> {
                Kernel.Load load = kernel.loads().get(l.load());
                int last = load.strides()[load.strides().length - 1];
                species();
                mv.visitVarInsn(ALOAD, bufferLocal[load.buffer()]);
                mv.visitVarInsn(ILOAD, base[l.load()]);
                if (last == 0) {
                    if (load.dtype() == DType.FLOAT64) {
                        mv.visitInsn(DALOAD);
                        mv.visitInsn(D2F);
                    } else {
                        mv.visitInsn(FALOAD);
                    }
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
                    case Unary.Exp e -> {
                        mv.visitVarInsn(ALOAD, v[args[0]]);
                        mv.visitMethodInsn(INVOKESTATIC, "dev/kiln/codegen/jvm/VectorMath", "exp", "(" + FV_DESC + ")" + FV_DESC, false);
                    }
                    case Unary.Erf e -> { // FloatMath.erf's double arithmetic on each half of the lanes: its bits
                        mv.visitVarInsn(ALOAD, v[args[0]]);
                        mv.visitMethodInsn(INVOKESTATIC, "dev/kiln/codegen/jvm/VectorMath", "erf", "(" + FV_DESC + ")" + FV_DESC, false);
                    }
                    case Binary.Pow p -> vectorPower(v[args[0]], smallIntegerConstant(kernel.body(), args[1]));
                    case Binary.Add x -> lanewise(v[args[0]], v[args[1]], "add");
                    case Binary.Sub x -> lanewise(v[args[0]], v[args[1]], "sub");
                    case Binary.Mul x -> lanewise(v[args[0]], v[args[1]], "mul");
                    case Binary.Div x -> lanewise(v[args[0]], v[args[1]], "div");
                    // Math.max/min's rules (NaN wins, -0 below +0), as the scalar form's calls: the same bits
                    case Binary.Maximum x -> lanewise(v[args[0]], v[args[1]], "max");
                    case Binary.Minimum x -> lanewise(v[args[0]], v[args[1]], "min");
                    case Unary.Abs x -> {
                        mv.visitVarInsn(ALOAD, v[args[0]]);
                        mv.visitMethodInsn(INVOKEVIRTUAL, FV, "abs", "()" + FV_DESC, false);
                    }
                    case Unary.Sqrt x -> { // correctly rounded in float, as the scalar form's double sqrt rounded to float
                        mv.visitVarInsn(ALOAD, v[args[0]]);
                        mv.visitFieldInsn(GETSTATIC, "jdk/incubator/vector/VectorOperators", "SQRT", "Ljdk/incubator/vector/VectorOperators$Unary;");
                        mv.visitMethodInsn(INVOKEVIRTUAL, FV, "lanewise", "(Ljdk/incubator/vector/VectorOperators$Unary;)" + FV_DESC, false);
                    }
                    // vectorizable admits only the ops above; a new primitive must be placed here
                    case Unary.Log _, Unary.Sin _, Unary.Cos _, Unary.Log1p _, Unary.Expm1 _, Compare _, Where _, Cast _ ->
                            throw new IllegalStateException("not vectorized: " + a.op());
                }
            }
            case Instr.Scalar sc -> throw new IllegalStateException("scalars are hoisted, not vectorized: " + in);
            case Instr.Const c -> throw new IllegalStateException("constants are hoisted, not vectorized: " + in);
            case Instr.Dot d -> throw new IllegalStateException("not vectorized: " + in);
        }
    }

    /** Pushes {@code x.name(y)} for vector locals x and y. */
    private void lanewise(int x, int y, String name) {
        mv.visitVarInsn(ALOAD, x);
        mv.visitVarInsn(ALOAD, y);
        lanewise(name);
    }

    /** stack: vector, vector -> vector.name(vector). */
    void lanewise(String name) {
        mv.visitMethodInsn(INVOKEVIRTUAL, FV, name, "(" + VEC_DESC + ")" + FV_DESC, false);
    }

    /** x^n (1 <= n <= 16) by squaring in float vectors. */
    void vectorPower(int x, int n) {
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
    void vectorTanh(int in) {
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
        species();
        mv.visitInsn(FCONST_1);
        broadcastTop();
        lanewise("min");
        species();
        mv.visitLdcInsn(-1f);
        broadcastTop();
        lanewise("max");
    }

    void vectorPolynomial(float[] c, int v) {
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
}
