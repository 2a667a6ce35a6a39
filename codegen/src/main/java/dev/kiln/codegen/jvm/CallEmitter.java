package dev.kiln.codegen.jvm;

import static dev.kiln.codegen.jvm.MethodEmitter.pushInt;
import static org.objectweb.asm.Opcodes.*;

import dev.kiln.DType;
import dev.kiln.codegen.kernel.Kernel;
import dev.kiln.codegen.kernel.Plan;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Emits a plan's whole call ({@link PlanCall}) as one method, so that a small step costs its
 * kernels and little else: no loop over step objects, no type tests, kernels called on constants
 * the JIT inlines, one-element float parameters read from their own arrays, and one-element
 * updates written where their targets lie instead of into a buffer copied back.
 *
 * <p>The class is meant to be defined as a hidden class whose class data is the backend's step
 * array: the step objects that are {@link KernelFunction}s become static final fields. What the
 * emitted code does, in order:
 * <ol>
 * <li>returns false unless every target it copies a whole buffer into is dense (a one-element
 *     target written from a scalar may lie anywhere in its storage);
 * <li>runs the steps: scalar reads of inputs and scalar writes inline, kernels directly, the rest
 *     through {@link PlanCall.Steps#step}; then {@link PlanCall.Steps#finish};
 * <li>writes the in-place outputs into their targets, and returns true.
 * </ol>
 */
public final class CallEmitter {
    private static final String CALL = "dev/kiln/codegen/jvm/PlanCall";
    private static final String STEPS = "dev/kiln/codegen/jvm/PlanCall$Steps";
    private static final String DATA = "dev/kiln/spi/TensorData";
    private static final String DATA_DESC = "L" + DATA + ";";
    private static final String STORAGE = "dev/kiln/spi/Storage";
    private static final String LAYOUT = "dev/kiln/spi/Layout";
    private static final String FUNCTION_DESC = "L" + MethodEmitter.FUNCTION + ";";
    /** Locals of {@code call}: 0 this, then its arguments. */
    private static final int BUFFERS = 1;
    private static final int VIEWS = 2;
    private static final int SCALARS = 3;
    private static final int TARGETS = 4;
    private static final int STEP_RUNNER = 5;
    private static final int DATA_LOCAL = 6;

    private CallEmitter() {
    }

    /**
     * The class file of {@code plan}'s call.
     *
     * @param className the class's internal name
     * @param plan the plan
     * @param steps the backend's step objects, in plan order: those that are {@link KernelFunction}s are called directly
     * @param first the first output written into a target
     * @param targets how many outputs, from {@code first} on, go to targets
     */
    public static byte[] emit(String className, Plan plan, Object[] steps, int first, int targets) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(V21, ACC_PUBLIC | ACC_FINAL | ACC_SUPER, className, null, "java/lang/Object", new String[] {CALL});
        JvmEmitter.defaultConstructor(cw);
        kernelConstants(cw, className, steps);
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC, "call", "([Ljava/lang/Object;[" + DATA_DESC + "[D[" + DATA_DESC + "L"
                + STEPS + ";)Z", null, null);
        mv.visitCode();
        new Body(mv, className, plan, steps, first, targets).emit();
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** A static final field per kernel step, set from the class data in {@code <clinit>}. */
    private static void kernelConstants(ClassWriter cw, String className, Object[] steps) {
        MethodVisitor clinit = cw.visitMethod(ACC_STATIC, "<clinit>", "()V", null, null);
        clinit.visitCode();
        clinit.visitMethodInsn(INVOKESTATIC, "java/lang/invoke/MethodHandles", "lookup", "()Ljava/lang/invoke/MethodHandles$Lookup;",
                false);
        clinit.visitLdcInsn("_");
        clinit.visitLdcInsn(org.objectweb.asm.Type.getType(Object[].class));
        clinit.visitMethodInsn(INVOKESTATIC, "java/lang/invoke/MethodHandles", "classData",
                "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;)Ljava/lang/Object;", false);
        clinit.visitTypeInsn(CHECKCAST, "[Ljava/lang/Object;");
        clinit.visitVarInsn(ASTORE, 0);
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] instanceof KernelFunction) {
                cw.visitField(ACC_PRIVATE | ACC_STATIC | ACC_FINAL, kernelField(i), FUNCTION_DESC, null, null).visitEnd();
                clinit.visitVarInsn(ALOAD, 0);
                pushInt(clinit, i);
                clinit.visitInsn(AALOAD);
                clinit.visitTypeInsn(CHECKCAST, MethodEmitter.FUNCTION);
                clinit.visitFieldInsn(PUTSTATIC, className, kernelField(i), FUNCTION_DESC);
            }
        }
        clinit.visitInsn(RETURN);
        clinit.visitMaxs(0, 0);
        clinit.visitEnd();
    }

    private static String kernelField(int step) {
        return "k" + step;
    }

    /** The method body of one plan's call. */
    private static final class Body {
        private final MethodVisitor mv;
        private final String className;
        private final Plan plan;
        private final Object[] steps;
        private final int first;
        /** Per buffer: its input slot, or -1. */
        private final int[] slotOf;
        /** Per target: the scalar slot its one-element float output is written from, or -1 (copied whole). */
        private final int[] fromSlot;
        /** Per buffer: a scalar write into it is left out, as only its target takes the value. */
        private final boolean[] targetOnly;

        Body(MethodVisitor mv, String className, Plan plan, Object[] steps, int first, int targets) {
            this.mv = mv;
            this.className = className;
            this.plan = plan;
            this.steps = steps;
            this.first = first;
            int buffers = plan.buffers().size();
            slotOf = new int[buffers];
            java.util.Arrays.fill(slotOf, -1);
            for (int k = 0; k < plan.inputs().size(); k++) {
                slotOf[plan.inputs().get(k)] = k;
            }
            boolean[] usedBySteps = new boolean[buffers];
            for (Plan.Step s : plan.steps()) {
                markUses(s, usedBySteps);
            }
            fromSlot = new int[targets];
            java.util.Arrays.fill(fromSlot, -1);
            for (int j = 0; j < fromSlot.length; j++) {
                int b = plan.outputs().get(first + j);
                if (slotOf[b] >= 0 || !scalarFloat(b)) {
                    continue;
                }
                for (Plan.Step s : plan.steps()) {
                    if (s instanceof Plan.WriteScalar w && w.buffer() == b) {
                        fromSlot[j] = w.slot();
                    }
                }
            }
            targetOnly = new boolean[buffers];
            for (int j = 0; j < fromSlot.length; j++) {
                int b = plan.outputs().get(first + j);
                // and no other output is this buffer (a gradient returned as well reads its array)
                targetOnly[b] = fromSlot[j] >= 0 && !usedBySteps[b] && plan.outputs().indexOf(b) == plan.outputs().lastIndexOf(b);
            }
        }

        /** Marks every buffer step {@code s} reads or writes other than by a scalar read or write. */
        private static void markUses(Plan.Step s, boolean[] used) {
            switch (s) {
                case Plan.ReadScalar r -> {
                }
                case Plan.WriteScalar w -> {
                }
                case Plan.OpStep o -> {
                    o.inputs().forEach(b -> used[b] = true);
                    used[o.output()] = true;
                }
                case Plan.MatMulStep m -> {
                    used[m.a()] = true;
                    used[m.b()] = true;
                    used[m.out()] = true;
                    markKernel(m.epilogue(), used);
                }
                case Plan.KernelStep k -> markKernel(k.kernel(), used);
            }
        }

        private static void markKernel(Kernel k, boolean[] used) {
            if (k == null) {
                return;
            }
            k.loads().forEach(l -> used[l.buffer()] = true);
            k.stores().forEach(st -> used[st.buffer()] = true);
        }

        /** A one-element float32 or float64 buffer. */
        private boolean scalarFloat(int b) {
            Plan.Buffer buffer = plan.buffers().get(b);
            return buffer.shape().numel() == 1 && (buffer.dtype() == DType.FLOAT32 || buffer.dtype() == DType.FLOAT64);
        }

        void emit() {
            Label declined = new Label();
            for (int j = 0; j < fromSlot.length; j++) {
                if (fromSlot[j] < 0) {
                    dense(j, plan.outputs().get(first + j), declined);
                }
            }
            for (int i = 0; i < steps.length; i++) {
                Plan.Step s = plan.steps().get(i);
                if (s instanceof Plan.ReadScalar r && slotOf[r.buffer()] >= 0 && scalarFloat(r.buffer())) {
                    readInput(r);
                } else if (s instanceof Plan.WriteScalar w && targetOnly[w.buffer()]) {
                    continue;
                } else if (s instanceof Plan.WriteScalar w && slotOf[w.buffer()] < 0 && scalarFloat(w.buffer())) {
                    writeOwn(w);
                } else if (steps[i] instanceof KernelFunction) {
                    mv.visitFieldInsn(GETSTATIC, className, kernelField(i), FUNCTION_DESC);
                    mv.visitVarInsn(ALOAD, BUFFERS);
                    mv.visitVarInsn(ALOAD, SCALARS);
                    mv.visitMethodInsn(INVOKEINTERFACE, MethodEmitter.FUNCTION, "run", "([Ljava/lang/Object;[D)V", true);
                } else {
                    mv.visitVarInsn(ALOAD, STEP_RUNNER);
                    pushInt(mv, i);
                    mv.visitMethodInsn(INVOKEINTERFACE, STEPS, "step", "(I)V", true);
                }
            }
            mv.visitVarInsn(ALOAD, STEP_RUNNER);
            mv.visitMethodInsn(INVOKEINTERFACE, STEPS, "finish", "()V", true);
            for (int j = 0; j < fromSlot.length; j++) {
                writeTarget(j, plan.outputs().get(first + j));
            }
            mv.visitInsn(ICONST_1);
            mv.visitInsn(IRETURN);
            mv.visitLabel(declined);
            mv.visitInsn(ICONST_0);
            mv.visitInsn(IRETURN);
        }

        /** Jumps to {@code declined} unless target {@code j} is dense for output buffer {@code b}. */
        private void dense(int j, int b, Label declined) {
            mv.visitVarInsn(ALOAD, TARGETS);
            pushInt(mv, j);
            mv.visitInsn(AALOAD);
            pushInt(mv, plan.buffers().get(b).shape().numel());
            mv.visitMethodInsn(INVOKESTATIC, CALL, "dense", "(" + DATA_DESC + "I)Z", true);
            mv.visitJumpInsn(IFEQ, declined);
        }

        /** scalars[slot] = an input's one element: the parameter's own array, bound dense (from element 0). */
        private void readInput(Plan.ReadScalar r) {
            boolean f32 = plan.buffers().get(r.buffer()).dtype() == DType.FLOAT32;
            mv.visitVarInsn(ALOAD, SCALARS);
            pushInt(mv, r.slot());
            mv.visitVarInsn(ALOAD, BUFFERS);
            pushInt(mv, r.buffer());
            mv.visitInsn(AALOAD);
            mv.visitTypeInsn(CHECKCAST, f32 ? "[F" : "[D");
            mv.visitInsn(ICONST_0);
            mv.visitInsn(f32 ? FALOAD : DALOAD);
            if (f32) {
                mv.visitInsn(F2D);
            }
            mv.visitInsn(DASTORE);
        }

        /** A scalar slot into the first element of a buffer the run allocated (from element 0 of its array). */
        private void writeOwn(Plan.WriteScalar w) {
            boolean f32 = plan.buffers().get(w.buffer()).dtype() == DType.FLOAT32;
            mv.visitVarInsn(ALOAD, BUFFERS);
            pushInt(mv, w.buffer());
            mv.visitInsn(AALOAD);
            mv.visitTypeInsn(CHECKCAST, f32 ? "[F" : "[D");
            mv.visitInsn(ICONST_0);
            mv.visitVarInsn(ALOAD, SCALARS);
            pushInt(mv, w.slot());
            mv.visitInsn(DALOAD);
            if (f32) {
                mv.visitInsn(D2F);
            }
            mv.visitInsn(f32 ? FASTORE : DASTORE);
        }

        /** Output buffer {@code b} into target {@code j}: its scalar slot where it lies, else copied from its view. */
        private void writeTarget(int j, int b) {
            mv.visitVarInsn(ALOAD, TARGETS);
            pushInt(mv, j);
            mv.visitInsn(AALOAD);
            mv.visitVarInsn(ASTORE, DATA_LOCAL);
            if (fromSlot[j] >= 0) {
                boolean f32 = plan.buffers().get(b).dtype() == DType.FLOAT32;
                elementOf(DATA_LOCAL, f32);
                mv.visitVarInsn(ALOAD, SCALARS);
                pushInt(mv, fromSlot[j]);
                mv.visitInsn(DALOAD);
                if (f32) {
                    mv.visitInsn(D2F);
                }
                mv.visitInsn(f32 ? FASTORE : DASTORE);
                return;
            }
            mv.visitVarInsn(ALOAD, DATA_LOCAL);
            mv.visitVarInsn(ALOAD, VIEWS);
            pushInt(mv, b);
            mv.visitInsn(AALOAD);
            mv.visitMethodInsn(INVOKEVIRTUAL, DATA, "copyFrom", "(" + DATA_DESC + ")V", false);
        }

        /** Pushes the typed array of the data in {@code local} and its offset (ready for an element load or store). */
        private void elementOf(int local, boolean f32) {
            mv.visitVarInsn(ALOAD, local);
            storageArray();
            mv.visitTypeInsn(CHECKCAST, f32 ? "[F" : "[D");
            mv.visitVarInsn(ALOAD, local);
            mv.visitMethodInsn(INVOKEVIRTUAL, DATA, "layout", "()L" + LAYOUT + ";", false);
            mv.visitMethodInsn(INVOKEVIRTUAL, LAYOUT, "offset", "()I", false);
        }

        /** data on the stack → its storage's array. */
        private void storageArray() {
            mv.visitMethodInsn(INVOKEVIRTUAL, DATA, "storage", "()L" + STORAGE + ";", false);
            mv.visitMethodInsn(INVOKEVIRTUAL, STORAGE, "array", "()Ljava/lang/Object;", false);
        }
    }
}
