package dev.kiln.codegen.cuda;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.codegen.kernel.Instr;
import dev.kiln.codegen.kernel.Kernel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A fused kernel as up to four CUDA kernels, launched in order: {@code <name>_before} (one thread:
 * the scalar prologue into the slots), {@code <name>} (a grid-stride loop over the domain: stores,
 * and each full reduction summed per thread, then per block by a fixed tree, into scratch),
 * {@code <name>_acc<j>} (reductions over axes: one block, or for short extents one thread, per
 * output element, so no atomics) and {@code <name>_after} (one thread: each reduction's block
 * partials added in block order, then the scalar epilogue). Sizes and strides are baked in: a
 * fused plan is compiled for its shapes.
 */
final class FusedKernels {
    private FusedKernels() {
    }

    static void emit(ModuleBuilder m, Kernel k) {
        if (!k.prologue().isEmpty()) {
            emitPrologue(m, k);
        }
        boolean loop = k.hasLoop();
        int blocks = loop ? Geometry.blocks(k.domain().numelLong()) : 0;
        int scratchAt = -1;
        if (loop && (!k.stores().isEmpty() || !k.reductions().isEmpty())) {
            scratchAt = k.reductions().isEmpty() ? -1 : m.scratch(blocks * k.reductions().size());
            mainPass(m, k, blocks, scratchAt);
        }
        if (loop) {
            Map<String, List<Kernel.Accumulate>> groups = new LinkedHashMap<>();
            for (Kernel.Accumulate a : k.accumulates()) {
                groups.computeIfAbsent(Arrays.toString(reduced(k, a)), x -> new ArrayList<>()).add(a);
            }
            int j = 0;
            for (List<Kernel.Accumulate> g : groups.values()) {
                accumulatePass(m, k, k.name() + "_acc" + j++, g);
            }
        }
        if (!k.reductions().isEmpty() || !k.epilogue().isEmpty()) {
            after(m, k, blocks, scratchAt);
        }
    }

    /** The kernel's scalar prologue, one thread. */
    static void emitPrologue(ModuleBuilder m, Kernel k) {
        scalarKernel(m, k.name() + "_before", "the scalar prologue of " + k.name(), k.prologue(), "", false);
    }

    /** The scalar epilogue of a kernel without reductions (a GEMM's epilogue), one thread. */
    static void emitEpilogue(ModuleBuilder m, Kernel k) {
        after(m, k, 0, -1);
    }

    /** One thread computing statements into slots. */
    private static void scalarKernel(ModuleBuilder m, String name, String comment, List<Kernel.Statement> statements, String head,
            boolean scratch) {
        StringBuilder body = new StringBuilder(head);
        for (Kernel.Statement s : statements) {
            body.append("    {\n");
            List<Instr> is = s.instrs();
            for (int i = 0; i < is.size(); i++) {
                boolean single = m.single(is.get(i).dtype());
                String e = switch (is.get(i)) {
                    case Instr.Scalar x -> (single ? "(float) slots[" : "slots[") + x.slot() + "]";
                    case Instr.Const c -> Expressions.literal(c.value(), c.dtype(), single);
                    case Instr.Apply a -> Expressions.value(a.op(), Arrays.stream(a.args()).mapToObj(x -> "t" + x).toArray(String[]::new),
                            Arrays.stream(a.args()).mapToObj(x -> is.get(x).dtype()).toArray(DType[]::new), a.dtype(), m.precision);
                    case Instr.Load l -> throw new IllegalStateException("a scalar statement reads no buffer");
                    case Instr.Dot d -> throw new IllegalStateException("a scalar statement has no inner product");
                };
                body.append("        const ").append(m.real(is.get(i).dtype())).append(" t").append(i).append(" = ").append(e).append(";\n");
            }
            body.append("        slots[").append(s.slot()).append("] = t").append(is.size() - 1).append(";\n    }\n");
        }
        List<CudaModule.Param> params = new ArrayList<>(List.of(new CudaModule.Param("slots", "double*")));
        List<CudaPlan.Arg> args = new ArrayList<>(List.of(new CudaPlan.Arg.Slots()));
        if (scratch) {
            params.add(new CudaModule.Param("scratch", "const double*"));
            args.add(new CudaPlan.Arg.Scratch());
        }
        m.kernel(comment, name, params, body.toString());
        m.launch(name, Geometry.ONE, Geometry.ONE, args, comment);
    }

    private static void mainPass(ModuleBuilder m, Kernel k, int blocks, int scratchAt) {
        LoopText t = new LoopText(m, k);
        List<Integer> roots = new ArrayList<>();
        k.stores().forEach(s -> roots.add(s.instr()));
        k.reductions().forEach(r -> roots.add(r.instr()));
        boolean[] need = t.needed(roots);
        String in = "        ";
        StringBuilder loop = new StringBuilder();
        if (!t.flatSuffices(need)) {
            loop.append(t.coordinates("i", IntStream.range(0, k.domain().rank()).toArray(), in));
        }
        loop.append(t.instructions(need, "i", in));
        for (Kernel.Store s : k.stores()) {
            loop.append(in).append("kiln_store(").append(t.write(s.buffer())).append(", i, v").append(s.instr()).append(");\n");
        }
        for (int r = 0; r < k.reductions().size(); r++) {
            Kernel.Reduction red = k.reductions().get(r);
            loop.append(in).append("r").append(r).append(red.max() ? " = kiln_max(r" + r + ", v" + red.instr() + ");\n" : " += v" + red.instr() + ";\n");
        }
        StringBuilder body = new StringBuilder(t.scalars("    "));
        for (int r = 0; r < k.reductions().size(); r++) {
            DType type = k.body().get(k.reductions().get(r).instr()).dtype();
            body.append("    ").append(m.real(type)).append(" r").append(r).append(" = ").append(k.reductions().get(r).max() ? "-INFINITY" : m.zero(type))
                    .append(";\n");
        }
        body.append("    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < ").append(k.domain().numelLong())
                .append("LL; i += (long long) gridDim.x * blockDim.x) {\n").append(loop).append("    }\n");
        if (!k.reductions().isEmpty()) {
            t.scratch = true;
            List<DType> types = k.reductions().stream().map(r -> k.body().get(r.instr()).dtype()).toList();
            body.append(shared(m, types, "    "));
            for (int r = 0; r < k.reductions().size(); r++) {
                body.append("    r").append(r).append(" = kiln_block_reduce(").append(red(m, types.get(r))).append(", r").append(r).append(", ")
                        .append(k.reductions().get(r).max()).append(");\n");
            }
            body.append("    if (threadIdx.x == 0) {\n");
            for (int r = 0; r < k.reductions().size(); r++) {
                body.append("        scratch[").append(scratchAt + r * blocks).append(" + blockIdx.x] = r").append(r).append(";\n");
            }
            body.append("    }\n");
        }
        List<CudaPlan.Arg> args = new ArrayList<>();
        List<CudaModule.Param> params = t.params(args);
        String what = "the loop of " + k.name() + " over " + k.domain() + (k.reductions().isEmpty() ? "" : ", " + k.reductions().size()
                + " reduction(s) into " + blocks + " block partial(s) each");
        m.kernel(what, k.name(), params, body.toString());
        m.launch(k.name(), Geometry.grid(blocks), Geometry.block(), args, what);
    }

    /** The shared arrays of block trees over values of {@code types}: {@code red} (double), {@code redf} (float, FAST's float32). */
    private static String shared(ModuleBuilder m, List<DType> types, String indent) {
        StringBuilder sb = new StringBuilder();
        if (types.stream().anyMatch(t -> !m.single(t))) {
            sb.append(indent).append("__shared__ double red[KILN_BLOCK];\n");
        }
        if (types.stream().anyMatch(m::single)) {
            sb.append(indent).append("__shared__ float redf[KILN_BLOCK];\n");
        }
        return sb.toString();
    }

    private static String red(ModuleBuilder m, DType t) {
        return m.single(t) ? "redf" : "red";
    }

    /** Which domain axes a reduction over axes sums away (its target's stride is 0 there). */
    private static boolean[] reduced(Kernel k, Kernel.Accumulate a) {
        int[] s = k.loads().get(a.target()).strides();
        boolean[] r = new boolean[s.length];
        for (int d = 0; d < s.length; d++) {
            r[d] = s[d] == 0;
        }
        return r;
    }

    private static void accumulatePass(ModuleBuilder m, Kernel k, String name, List<Kernel.Accumulate> group) {
        Shape domain = k.domain();
        boolean[] reduced = reduced(k, group.getFirst());
        int[] kept = IntStream.range(0, domain.rank()).filter(d -> !reduced[d]).toArray();
        int[] over = IntStream.range(0, domain.rank()).filter(d -> reduced[d]).toArray();
        long outputs = IntStream.of(kept).mapToLong(domain::dim).reduce(1, (a, b) -> a * b);
        long extent = IntStream.of(over).mapToLong(domain::dim).reduce(1, (a, b) -> a * b);
        boolean perBlock = extent >= Geometry.BLOCK_PER_OUTPUT_FROM;
        LoopText t = new LoopText(m, k);
        boolean[] need = t.needed(group.stream().map(Kernel.Accumulate::instr).toList());
        boolean flat = t.flatSuffices(need);
        String in = "            ";
        StringBuilder inner = new StringBuilder();
        if (over.length > 0) {
            inner.append(t.coordinates("r", over, in));
        }
        boolean loads = IntStream.range(0, need.length).anyMatch(i -> need[i] && k.body().get(i) instanceof Instr.Load);
        if (flat && loads) { // only loads read the index (nvcc warns of an unused one)
            inner.append(in).append("const long long i = ").append(t.flatFromCoordinates()).append(";\n");
        }
        inner.append(t.instructions(need, flat ? "i" : null, in));
        for (int j = 0; j < group.size(); j++) {
            Kernel.Accumulate a = group.get(j);
            inner.append(in).append("a").append(j).append(a.max() ? " = kiln_max(a" + j + ", v" + a.instr() + ");\n" : " += v" + a.instr() + ";\n");
        }
        StringBuilder body = new StringBuilder(t.scalars("    "));
        List<DType> types = group.stream().map(a -> k.body().get(a.instr()).dtype()).toList();
        if (perBlock) {
            body.append(shared(m, types, "    "));
            body.append("    for (long long o = blockIdx.x; o < ").append(outputs).append("LL; o += gridDim.x) {\n");
        } else {
            body.append("    for (long long o = (long long) blockIdx.x * blockDim.x + threadIdx.x; o < ").append(outputs)
                    .append("LL; o += (long long) gridDim.x * blockDim.x) {\n");
        }
        body.append(t.coordinates("o", kept, "        "));
        for (int j = 0; j < group.size(); j++) {
            body.append("        ").append(m.real(types.get(j))).append(" a").append(j).append(" = ")
                    .append(group.get(j).max() ? "-INFINITY" : m.zero(types.get(j))).append(";\n");
        }
        body.append(perBlock ? "        for (long long r = threadIdx.x; r < " + extent + "LL; r += blockDim.x) {\n"
                : "        for (long long r = 0; r < " + extent + "LL; r++) {\n");
        body.append(inner).append("        }\n");
        String store = perBlock ? "            " : "        ";
        if (perBlock) {
            for (int j = 0; j < group.size(); j++) {
                body.append("        a").append(j).append(" = kiln_block_reduce(").append(red(m, types.get(j))).append(", a").append(j).append(", ").append(group.get(j).max()).append(");\n");
            }
            body.append("        if (threadIdx.x == 0) {\n");
        }
        for (int j = 0; j < group.size(); j++) {
            Kernel.Load target = k.loads().get(group.get(j).target());
            body.append(store).append(t.write(target.buffer())).append('[').append(t.offset(target, null)).append("] = a").append(j).append(";\n");
        }
        if (perBlock) {
            body.append("        }\n");
        }
        body.append("    }\n");
        List<CudaPlan.Arg> args = new ArrayList<>();
        List<CudaModule.Param> params = t.params(args);
        String what = "reductions of " + k.name() + " over " + extent + " element(s) into " + outputs + " output(s), "
                + (perBlock ? "one block per output" : "one thread per output, in order");
        m.kernel(what, name, params, body.toString());
        m.launch(name, Geometry.grid(perBlock ? Geometry.blockPerOutput(outputs) : Geometry.blocks(outputs * 4)), Geometry.block(),
                args, what);
    }

    private static void after(ModuleBuilder m, Kernel k, int blocks, int scratchAt) {
        StringBuilder head = new StringBuilder();
        for (int r = 0; r < k.reductions().size(); r++) {
            Kernel.Reduction red = k.reductions().get(r);
            // in double in both precisions: one thread adds at most MAX_BLOCKS partials, and rounds once
            boolean f32 = k.body().get(red.instr()).dtype() == DType.FLOAT32;
            head.append("    {\n        double t = ").append(red.max() ? "-INFINITY" : "0.0").append(";\n");
            if (scratchAt >= 0) {
                head.append("        for (int b = 0; b < ").append(blocks).append("; b++) {\n")
                        .append("            t = kiln_combine(t, scratch[").append(scratchAt + r * blocks).append(" + b], ")
                        .append(red.max()).append(");\n        }\n");
            }
            head.append("        slots[").append(red.slot()).append("] = ").append(f32 ? "kiln_f32(t)" : "t").append(";\n    }\n");
        }
        String comment = k.reductions().isEmpty() ? "the scalar epilogue of " + k.name()
                : "the reductions of " + k.name() + " (block partials in block order) and its scalar epilogue";
        scalarKernel(m, k.name() + "_after", comment, k.epilogue(), head.toString(), scratchAt >= 0 && !k.reductions().isEmpty());
    }
}
