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
 * Scalar expressions: an instruction's value in a double (or float) local — loads, constants,
 * elementwise ops with float32 rounding as the interpreter does, float32 tanh, small powers.
 */
abstract class ExpressionEmitter extends DotEmitter {
    ExpressionEmitter(Kernel kernel, MethodVisitor mv, int bufferCount, JvmEmitter.Options options) {
        super(kernel, mv, bufferCount, options);
    }

    /**
     * Pushes the value of {@code in} — a float for float32 instructions, else a double;
     * {@code locals} hold earlier values, {@code base} the loads' indices (null outside the loop).
     */
    void value(Instr in, int[] locals, int[] base, List<Instr> instrs) {
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

    void apply(Instr.Apply a, int[] locals, List<Instr> instrs) {
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
                case Unary.Neg x -> FNEG;
                // floatArithmetic admits only the five above; a new primitive must be placed here
                case Unary.Abs _, Unary.Exp _, Unary.Log _, Unary.Sin _, Unary.Cos _, Unary.Sqrt _, Unary.Tanh _,
                        Unary.Erf _, Unary.Log1p _, Unary.Expm1 _,
                        Binary.Pow _, Binary.Maximum _, Binary.Minimum _, Compare _, Where _, Cast _ ->
                        throw new IllegalStateException("not float arithmetic: " + a.op());
            });
            return;
        }
        if (isFloat(a) && a.op() instanceof Unary.Exp && isFloat(instrs.get(args[0]))) {
            pushAsFloat(instrs, locals, args[0]);
            mv.visitMethodInsn(INVOKESTATIC, "dev/kiln/codegen/jvm/FloatMath", "exp", "(F)F", false);
            return;
        }
        if (isFloat(a) && a.op() instanceof Unary.Erf && isFloat(instrs.get(args[0]))) {
            pushAsFloat(instrs, locals, args[0]);
            mv.visitMethodInsn(INVOKESTATIC, "dev/kiln/codegen/jvm/FloatMath", "erf", "(F)F", false);
            return;
        }
        if (isFloat(a) && a.op() instanceof Unary.Tanh && isFloat(instrs.get(args[0]))) {
            pushAsFloat(instrs, locals, args[0]);
            floatTanh();
            return;
        }
        if (lanes && isFloat(a) && a.op() instanceof Binary.Pow && smallIntegerConstant(instrs, args[1]) != null
                && smallIntegerConstant(instrs, args[1]) >= 1 && isFloat(instrs.get(args[0]))) {
            // the vector lanes' power: float squaring (vectorPower), not double then rounded
            pushAsFloat(instrs, locals, args[0]);
            floatPower(smallIntegerConstant(instrs, args[1]));
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

    /**
     * Where the float32 tanh's argument is clamped. The rational form below passes 1 between about 7.9
     * and 10 (by 8 ulps at 10), and its result is clamped to [−1, 1], so tanh is exactly ±1 from there
     * on, at ±∞ too, as the correctly rounded tanh is past 9.01 (and {@code 1 + tanh(x)} is 0, as
     * PyTorch's); in between it stays within 4e-7 of tanh.
     */
    static final float TANH_CLAMP = 10f;
    /**
     * Odd numerator, x^13 down to x^1, and even denominator, x^6 down to x^0, of a rational minimax
     * tanh for float32, both divided by the numerator's x^1 coefficient so that tiny and subnormal
     * arguments come out as themselves instead of underflowing.
     */
    static final float[] TANH_P = normalized(-2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11,
            5.12229709037114e-08, 1.48572235717979e-05, 6.37261928875436e-04, 4.89352455891786e-03);
    static final float[] TANH_Q = normalized(1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03,
            4.89352518554385e-03);

    static float[] normalized(double... c) {
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
    void floatTanh() {
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
        mv.visitInsn(FCONST_1);
        mv.visitMethodInsn(INVOKESTATIC, MATH, "min", "(FF)F", false);
        mv.visitLdcInsn(-1f);
        mv.visitMethodInsn(INVOKESTATIC, MATH, "max", "(FF)F", false);
    }

    /** Pushes c[0]·v^(n-1) + ... + c[n-1] by Horner's rule, v a float local; each step one fused multiply-add where the vector lanes contract them. */
    void polynomial(float[] c, int v) {
        mv.visitLdcInsn(c[0]);
        for (int i = 1; i < c.length; i++) {
            mv.visitVarInsn(FLOAD, v);
            if (fma) {
                mv.visitLdcInsn(c[i]);
                mv.visitMethodInsn(INVOKESTATIC, MATH, "fma", "(FFF)F", false);
            } else {
                mv.visitInsn(FMUL);
                mv.visitLdcInsn(c[i]);
                mv.visitInsn(FADD);
            }
        }
    }

    /** float on the stack to the power n >= 1, by the squarings of {@code vectorPower}, each rounded to float. */
    void floatPower(int n) {
        int result = newLocal(1);
        int base = newLocal(1);
        mv.visitVarInsn(FSTORE, base);
        boolean first = true;
        for (int m = n; m > 0; m >>= 1) {
            if ((m & 1) != 0) {
                if (!first) {
                    mv.visitVarInsn(FLOAD, result);
                }
                mv.visitVarInsn(FLOAD, base);
                if (!first) {
                    mv.visitInsn(FMUL);
                }
                mv.visitVarInsn(FSTORE, result);
                first = false;
            }
            if (m > 1) {
                mv.visitVarInsn(FLOAD, base);
                mv.visitInsn(DUP);
                mv.visitInsn(FMUL);
                mv.visitVarInsn(FSTORE, base);
            }
        }
        mv.visitVarInsn(FLOAD, result);
    }

    /** + - * / and negation of float32 values: float arithmetic gives the same bits as double-then-round. */
    static boolean floatArithmetic(Instr.Apply a, List<Instr> instrs) {
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

    void applyDouble(Instr.Apply a) {
        switch (a.op()) {
            case Unary u -> unary(u);
            case Binary b -> binary(b);
            case Compare c -> compare(c);
            case Where w -> {
                // stack: cond, a, b -> cond != 0 ? a : b, as a bit blend: a branch here mispredicts on
                // data-dependent conditions (ReLU, masks), and C2 makes a double phi a branch on x86
                int bl = newLocal(2);
                int al = newLocal(2);
                int mask = newLocal(2);
                mv.visitVarInsn(DSTORE, bl);
                mv.visitVarInsn(DSTORE, al);
                mv.visitInsn(DCONST_0);
                mv.visitInsn(DCMPL);
                boolToInt(IFNE);
                mv.visitInsn(I2L);
                mv.visitInsn(LNEG);
                mv.visitVarInsn(LSTORE, mask);
                mv.visitVarInsn(DLOAD, al);
                mv.visitMethodInsn(INVOKESTATIC, "java/lang/Double", "doubleToRawLongBits", "(D)J", false);
                mv.visitVarInsn(LLOAD, mask);
                mv.visitInsn(LAND);
                mv.visitVarInsn(DLOAD, bl);
                mv.visitMethodInsn(INVOKESTATIC, "java/lang/Double", "doubleToRawLongBits", "(D)J", false);
                mv.visitVarInsn(LLOAD, mask);
                mv.visitLdcInsn(-1L);
                mv.visitInsn(LXOR);
                mv.visitInsn(LAND);
                mv.visitInsn(LOR);
                mv.visitMethodInsn(INVOKESTATIC, "java/lang/Double", "longBitsToDouble", "(J)D", false);
            }
            case Cast c -> cast(c.to());
        }
    }

    /** x^n by squaring, the very sequence of {@code Semantics.pow}, unrolled: bit for bit the same result. */
    void powByMultiplication(int x, int n) {
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

    void unary(Unary u) {
        switch (u) {
            case Unary.Neg n -> mv.visitInsn(DNEG);
            case Unary.Abs x -> math("abs");
            case Unary.Exp x -> math("exp");
            case Unary.Log x -> math("log");
            case Unary.Sin x -> math("sin");
            case Unary.Cos x -> math("cos");
            case Unary.Sqrt x -> math("sqrt");
            case Unary.Tanh x -> math("tanh");
            case Unary.Erf x -> mv.visitMethodInsn(INVOKESTATIC, "dev/kiln/ir/Semantics", "erf", "(D)D", false);
            case Unary.Log1p x -> math("log1p");
            case Unary.Expm1 x -> math("expm1");
        }
    }

    void binary(Binary b) {
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
    void compare(Compare c) {
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

    void boolToDouble(int jumpIfTrue) {
        boolToInt(jumpIfTrue);
        mv.visitInsn(I2D);
    }

    /** 1 if the jump is taken, else 0: an int diamond, which C2 turns into a conditional move (a double one it would branch). */
    void boolToInt(int jumpIfTrue) {
        Label yes = new Label();
        Label done = new Label();
        mv.visitJumpInsn(jumpIfTrue, yes);
        mv.visitInsn(ICONST_0);
        mv.visitJumpInsn(GOTO, done);
        mv.visitLabel(yes);
        mv.visitInsn(ICONST_1);
        mv.visitLabel(done);
    }

    void cast(DType to) {
        switch (to) {
            case FLOAT32, FLOAT64 -> { } // apply() rounds float32 results to float
            case BOOL -> {
                mv.visitInsn(DCONST_0);
                mv.visitInsn(DCMPL);
                boolToDouble(IFNE);
            }
            case INT32, INT64 -> throw new IllegalArgumentException("casts to " + to + " are not fused");
        }
    }
}
