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
 * Turns a {@link Kernel} into the bytes of a class implementing {@link KernelFunction}, with ASM —
 * the facade of the emitter, whose parts are {@link LoopEmitter} (statements, fills, the loop
 * nest), {@link VectorLoopEmitter} (the Vector API part of a loop), {@link ExpressionEmitter}
 * (scalar expressions), {@link DotEmitter} (inner products) over {@link MethodEmitter} (one
 * method's state). Every instruction's value lives in a double (or float) local; float32 values
 * are rounded after each op, as the interpreter stores them. ASM stays in this package.
 */
public final class JvmEmitter {
    private JvmEmitter() {
    }

    /** The widest vectors the emitter writes (AVX-512): 16 float32 lanes. */
    public static final int MAX_BITS = 512;

    /** Whether {@code bits} is a vector width the emitter writes: 128, 256 or 512. */
    public static boolean supportedBits(int bits) {
        return bits == 128 || bits == 256 || bits == MAX_BITS;
    }

    /**
     * Loops the Vector API part handles (see {@link VectorLoopEmitter#vectorizable}): float32
     * throughout, sums, float32 stores; no accumulation into buffers, no inner products.
     */
    public static boolean vectorizable(Kernel k) {
        return VectorLoopEmitter.vectorizable(k);
    }

    /**
     * How to emit: with the Vector API part for eligible loops, and multiply-add contraction in it;
     * or, with {@code lanes}, scalar loops that give the bits of the vector form (the form a plan runs
     * before it switches its short loops to vectors: the switch then changes speed, never results).
     */
    public record Options(boolean vectorApi, boolean fma, boolean lanes, int bits) {
        /** Scalar loops only, with double accumulation (eager single ops, and JVMs without the Vector API). */
        public static final Options SCALAR = new Options(false, false, false, 256);

        public Options {
            if (!supportedBits(bits)) {
                throw new IllegalArgumentException("vector width " + bits + " bits: the emitter writes 128, 256 or 512");
            }
        }

        /**
         * Vector loops of {@code bits}-wide vectors where eligible (only when the JVM has {@code
         * jdk.incubator.vector}); {@code fma} only where the CPU has it. Sums add up per lane, so
         * their rounding (not their order across threads) depends on the width.
         */
        public static Options vectors(boolean fma, int bits) {
            return new Options(true, fma, true, bits);
        }

        /** Scalar loops that compute exactly what {@link #vectors(boolean, int)} with the same arguments computes. */
        public static Options lanes(boolean fma, int bits) {
            return new Options(false, fma, true, bits);
        }
    }

    /** The class file of {@code kernel} with scalar loops, named {@code className} (internal form, e.g. {@code dev/kiln/cpu/Kernel$1}). */
    public static byte[] emit(Kernel kernel, String className, int bufferCount) {
        return emit(kernel, className, bufferCount, Options.SCALAR);
    }

    /**
     * The class file of {@code kernel}: with {@code options.vectorApi()}, eligible loops run a vector
     * of float32 positions ({@code options.bits()} wide) at a time; with {@code options.fma()} (only where the CPU has fused
     * multiply-add: the Vector API emulates it, very slowly, elsewhere) they contract multiply-adds.
     */
    public static byte[] emit(Kernel kernel, String className, int bufferCount, Options options) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(V21, ACC_PUBLIC | ACC_FINAL | ACC_SUPER, className, null, "java/lang/Object", new String[] {MethodEmitter.FUNCTION});
        defaultConstructor(cw);
        if (chunked(kernel)) {
            MethodVisitor before = method(cw, "before", "([Ljava/lang/Object;[D)V");
            LoopEmitter e = new LoopEmitter(kernel, before, bufferCount, options);
            e.statements(kernel.prologue());
            e.fills();
            end(before);
            MethodVisitor range = method(cw, "range", "([Ljava/lang/Object;[DII[DI)V");
            e = new LoopEmitter(kernel, range, bufferCount, options);
            e.nextLocal = 7; // 3 from, 4 to, 5 partials, 6 at
            e.loop(true);
            end(range);
            MethodVisitor after = method(cw, "after", "([Ljava/lang/Object;[D)V");
            new LoopEmitter(kernel, after, bufferCount, options).statements(kernel.epilogue());
            end(after);
            MethodVisitor rows = method(cw, "rows", "()I");
            new LoopEmitter(kernel, rows, bufferCount, options).pushInt(kernel.domain().dim(0));
            rows.visitInsn(IRETURN);
            rows.visitMaxs(0, 0);
            rows.visitEnd();
        } else {
            MethodVisitor mv = method(cw, "run", "([Ljava/lang/Object;[D)V");
            new LoopEmitter(kernel, mv, bufferCount, options).body();
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

    /** A public no-argument constructor that calls Object's. */
    static void defaultConstructor(ClassWriter cw) {
        MethodVisitor init = cw.visitMethod(ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(ALOAD, 0);
        init.visitMethodInsn(INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitInsn(RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
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
}
