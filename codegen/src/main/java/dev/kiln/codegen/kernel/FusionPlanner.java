package dev.kiln.codegen.kernel;

import dev.kiln.DType;
import dev.kiln.spi.Layout;
import dev.kiln.Shape;
import dev.kiln.ir.Barrier;
import dev.kiln.ir.Call;
import dev.kiln.ir.Detach;
import dev.kiln.ir.Draw;
import dev.kiln.ir.Elementwise;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.MatMul;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.ir.Reduce;
import dev.kiln.ir.Where;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a graph into a {@link Plan}. Elementwise chains over one shape fuse into one loop;
 * reductions over that loop's whole domain fuse into it as extra accumulators (horizontal
 * fusion); one-element values (parameters, reduction results, hyper-parameters) are scalar slots
 * computed before the loop or, when they need its reductions, after it — so an optimizer update
 * on scalar parameters is the epilogue of the loop that computed their gradients. Movement ops
 * are strided loads of buffers, never copies, when their source is in a buffer. Large matmuls
 * are GEMM steps; small ones are inner-product loops with their consumers fused. What no kernel
 * covers yet (integer arithmetic, unslice) runs as single interpreted ops between kernels.
 */
public final class FusionPlanner {
    /** Above this many instructions a loop is split, normally far below the JVM's 64 KB method limit. */
    public static final int MAX_BODY = 1500;

    private final int maxBody;

    private final List<Plan.Buffer> buffers = new ArrayList<>();
    private final List<Object> steps = new ArrayList<>(); // Plan.Step or KernelBuilder
    private final List<Integer> inputs = new ArrayList<>();
    private final Map<Node, Integer> bufferOf = new IdentityHashMap<>();
    private final Map<Node, Integer> slotOf = new IdentityHashMap<>();
    /** For each slot, the first kernel whose loop may read it. */
    private final List<Integer> slotAvailable = new ArrayList<>();
    /** Node computed in a loop: which kernel. */
    private final Map<Node, KernelBuilder> loopOf = new IdentityHashMap<>();
    private final List<KernelBuilder> kernels = new ArrayList<>();
    private KernelBuilder open;

    private FusionPlanner(int maxBody) {
        this.maxBody = maxBody;
    }

    public static Plan plan(Graph g) {
        return plan(g, MAX_BODY);
    }

    /** Plans with loops split above {@code maxBody} instructions (smaller when a kernel's method came out too large). */
    public static Plan plan(Graph g, int maxBody) {
        FusionPlanner p = new FusionPlanner(maxBody);
        for (Node n : g.inputs()) {
            p.input(n);
        }
        for (Node n : g.nodes()) {
            p.visit(n);
        }
        List<Integer> outs = new ArrayList<>();
        for (Node o : g.outputs()) {
            int b = p.materialize(o);
            outs.add(p.buffers.get(b).dtype() == o.dtype() ? b : p.converted(o, b));
        }
        p.close();
        List<Plan.Step> steps = new ArrayList<>();
        for (Object s : p.steps) {
            steps.add(s instanceof KernelBuilder k ? new Plan.KernelStep(k.build()) : (Plan.Step) s);
        }
        return new Plan(List.copyOf(p.buffers), p.slotAvailable.size(), Epilogues.fuse(p.buffers, steps), List.copyOf(p.inputs), outs);
    }

    // ---------------------------------------------------------------- classification

    private static boolean fusableType(DType t) {
        return t.isFloating() || t == DType.BOOL;
    }

    private static boolean isElementwise(Node n) {
        return n.op() instanceof Elementwise;
    }

    /** Elementwise on fusable types, inputs too. */
    private static boolean fusableElementwise(Node n) {
        if (!isElementwise(n) || !fusableType(n.dtype())) {
            return false;
        }
        for (Node in : n.inputs()) {
            if (!fusableType(in.dtype())) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- visiting

    private void input(Node n) {
        int b = newBuffer(n);
        inputs.add(b);
        bufferOf.put(n, b);
        if (Views.isOne(n) && fusableType(n.dtype())) {
            int slot = newSlot(0);
            steps.add(new Plan.ReadScalar(b, slot));
            slotOf.put(n, slot);
        }
    }

    private void visit(Node n) {
        if (bufferOf.containsKey(n) || slotOf.containsKey(n)) {
            return;
        }
        // no default: a new primitive fails to compile here until the planner places it
        switch (n.op()) {
            case Leaf.Constant c -> scalar(n, List.of(new Instr.Const(c.value(), n.dtype())), 0);
            case Leaf.Input in -> { }
            case Movement m -> {
                if (Views.isView(n) && Views.isOne(n) && slotOf.containsKey(n.input(0))) {
                    slotOf.put(n, slotOf.get(n.input(0)));
                } else if (!Views.isView(n)) { // a view is resolved where it is read
                    elementwiseOrStep(n);
                }
            }
            case Reduce r -> {
                if (Views.isOne(n) && Views.isOne(n.input(0)) && slotOf.containsKey(n.input(0)) && n.dtype().isFloating()) {
                    slotOf.put(n, slotOf.get(n.input(0)));
                } else if (Views.isOne(n) && n.dtype().isFloating() && fusableType(n.input(0).dtype())) {
                    reduceAll(n, r);
                } else if (n.dtype().isFloating() && fusableType(n.input(0).dtype())) {
                    reducePartial(n, r);
                } else {
                    elementwiseOrStep(n);
                }
            }
            case MatMul mm -> {
                if (n.dtype().isFloating() && gemmSized(n)) {
                    gemm(n);
                } else if (n.dtype().isFloating()) {
                    matmul(n);
                } else {
                    elementwiseOrStep(n);
                }
            }
            case Leaf.Random _, Elementwise _, Call _, Barrier _, Detach _, Draw _ ->
                    elementwiseOrStep(n);
            // gather and scatter-add read and write at data-dependent positions: one interpreted step each
            case dev.kiln.ir.Index x -> opStep(n);
            // collectives call the process group: one step each, after what computes their input
            case dev.kiln.ir.Collective c -> opStep(n);
            // fused attention runs runtime-cpu's tiled kernel: one step, its scores never stored
            case dev.kiln.ir.Attend a -> opStep(n);
        }
    }

    /** A fusable elementwise op joins a loop (or the scalar statements); anything else is a single interpreted step. */
    private void elementwiseOrStep(Node n) {
        if (fusableElementwise(n) && Views.isOne(n)) {
            scalarOp(n);
        } else if (fusableElementwise(n)) {
            loopOp(n);
        } else {
            opStep(n);
        }
    }

    /** A one-element elementwise op: a statement over slots, before or after a loop. */
    private void scalarOp(Node n) {
        List<Instr> instrs = new ArrayList<>();
        int[] args = new int[n.inputs().size()];
        int needs = 0;
        for (int i = 0; i < args.length; i++) {
            int slot = slot(n.input(i));
            needs = Math.max(needs, slotAvailable.get(slot));
            instrs.add(new Instr.Scalar(slot, n.input(i).dtype()));
            args[i] = i;
        }
        instrs.add(new Instr.Apply((Elementwise) n.op(), args, n.dtype()));
        scalar(n, instrs, needs);
    }

    /** Places a scalar statement in the open kernel's prologue, or its epilogue if it needs that kernel's reductions. */
    private void scalar(Node n, List<Instr> instrs, int needs) {
        KernelBuilder k = openKernel(needs);
        int slot;
        if (needs > k.index) {
            slot = newSlot(k.index + 1);
            k.epilogue.add(new Kernel.Statement(slot, instrs));
        } else {
            slot = newSlot(k.index);
            k.prologue.add(new Kernel.Statement(slot, instrs));
        }
        slotOf.put(n, slot);
    }

    /** The open kernel, or a new one; a scalar that needs kernel {@code needs} may go into kernel needs-1's epilogue. */
    private KernelBuilder openKernel(int needs) {
        if (open == null || needs > open.index + 1) {
            close();
            open = new KernelBuilder(kernels.size());
            kernels.add(open);
            steps.add(open);
        }
        return open;
    }

    private void close() {
        open = null;
    }

    /** The slot holding a one-element node's value (reading it from its buffer if needed). */
    private int slot(Node n) {
        Integer s = slotOf.get(n);
        if (s != null) {
            return s;
        }
        int b = materialize(n);
        close();
        int slot = newSlot(kernels.size());
        steps.add(new Plan.ReadScalar(b, slot));
        slotOf.put(n, slot);
        return slot;
    }

    private void loopOp(Node n) {
        KernelBuilder k = loopKernel(n.shape(), n.inputs());
        int[] args = new int[n.inputs().size()];
        for (int i = 0; i < args.length; i++) {
            args[i] = operand(k, n.input(i));
        }
        int instr = k.add(new Instr.Apply((Elementwise) n.op(), args, n.dtype()));
        k.local.put(n, instr);
        loopOf.put(n, k);
    }

    /**
     * A matmul is a loop over its output: each position is an inner product read straight from the
     * operands' buffers (transposes are just strides), and elementwise consumers and reductions of
     * the result fuse into the same loop — matmul with a fused epilogue.
     */
    private void matmul(Node n) {
        Node a = n.input(0);
        Node b = n.input(1);
        Shape out = n.shape();
        int r = out.rank();
        int inner = a.shape().dim(r - 1);
        BufferView va = bufferView(a);
        BufferView vb = bufferView(b);
        Layout la = va.layout();
        Layout lb = vb.layout();
        KernelBuilder k = open;
        Shape domain = Views.canonical(out);
        if (k == null || (k.domain != null && !k.domain.equals(domain)) || k.body.size() >= maxBody) {
            close();
            k = openKernel(0);
        }
        k.domain = domain;
        // A over the output domain: its row stride for dimension r-2, nothing along r-1; B the other way round.
        int[] sa = new int[r];
        int[] sb = new int[r];
        for (int d = 0; d < r - 2; d++) {
            sa[d] = la.stride(d);
            sb[d] = lb.stride(d);
        }
        sa[r - 2] = la.stride(r - 2);
        sb[r - 1] = lb.stride(r - 1);
        int loadA = k.loadIndex(va.buffer(), buffers.get(va.buffer()).dtype(), Views.dropUnit(out, sa), la.offset());
        int loadB = k.loadIndex(vb.buffer(), buffers.get(vb.buffer()).dtype(), Views.dropUnit(out, sb), lb.offset());
        int instr = k.add(new Instr.Dot(loadA, loadB, inner, la.stride(r - 1), lb.stride(r - 2), n.dtype()));
        k.local.put(n, instr);
        loopOf.put(n, k);
    }

    /**
     * Above this many multiply-adds per output matrix a matmul is a blocked GEMM (packed panels,
     * register blocking, SIMD and threads where the backend has them); below it, the inner-product
     * loop with its consumers fused is cheaper.
     */
    public static final long GEMM_MIN_FLOPS = 16 * 16 * 16;

    private static boolean gemmSized(Node n) {
        Shape s = n.shape();
        int r = s.rank();
        long inner = n.input(0).shape().dim(r - 1);
        // a single output row or column (a matrix-vector product) gains nothing from tiles
        return inner >= 8 && s.dim(r - 2) >= 2 && s.dim(r - 1) >= 2
                && (long) s.dim(r - 2) * s.dim(r - 1) * inner >= GEMM_MIN_FLOPS;
    }

    /** A large matmul: a GEMM step into its own buffer; elementwise consumers fuse into the next loop. */
    private void gemm(Node n) {
        close();
        BufferView va = bufferView(n.input(0));
        BufferView vb = bufferView(n.input(1));
        close();
        int out = newBuffer(n);
        bufferOf.put(n, out);
        steps.add(new Plan.MatMulStep(va.buffer(), va.layout(), vb.buffer(), vb.layout(), out));
    }

    /** A buffer and the layout through which a node reads it. */
    private record BufferView(int buffer, Layout layout) {
    }

    /**
     * The node of {@code a}'s chain of views after which it stops being one strided view of its base
     * (a reshape of a permuted or broadcast value): that node needs a copy first. Null if none.
     */
    /**
     * Where {@code a}'s chain of views stops being one strided view of a buffer (a reshape of a
     * broadcast, say), copies the part that still is, until the rest reads as views of a copy.
     */
    private void copyViewBreaks(Node a) {
        for (Node at = viewBreak(a); at != null; at = viewBreak(a)) {
            materialize(at);
        }
    }

    private Node viewBreak(Node a) {
        if (!Views.isView(a) || Views.isOne(a)) {
            return null;
        }
        List<Movement> chain = new ArrayList<>();
        Node base = a;
        while (Views.isView(base) && !bufferOf.containsKey(base)) {
            chain.addFirst((Movement) base.op());
            base = base.input(0);
        }
        Layout layout = Layout.contiguous(base.shape());
        Node at = base;
        for (Movement m : chain) {
            Node next = Views.nextTowards(a, at);
            layout = layout.view(m, next.shape());
            if (layout == null) {
                return at == base ? null : at;
            }
            at = next;
        }
        return null;
    }

    /** The buffer and layout through which a node is read (views of a buffer are strides), materializing as needed. */
    private BufferView bufferView(Node a) {
        copyViewBreaks(a);
        List<Movement> chain = new ArrayList<>();
        Node base = a;
        while (Views.isView(base) && !bufferOf.containsKey(base)) {
            chain.addFirst((Movement) base.op());
            base = base.input(0);
        }
        KernelBuilder k = loopOf.get(base);
        if (k != null && k == open) {
            close();
        }
        int buffer = materialize(base);
        Layout layout = Layout.contiguous(base.shape());
        Node at = base;
        for (Movement m : chain) {
            Node next = Views.nextTowards(a, at);
            layout = layout.view(m, next.shape()); // one strided view: copyViewBreaks saw to it
            at = next;
        }
        return new BufferView(buffer, layout);
    }

    private void reduceAll(Node n, Reduce r) {
        Node in = n.input(0);
        KernelBuilder k = loopKernel(in.shape(), List.of(in));
        int v = operand(k, in);
        int slot = newSlot(k.index + 1);
        k.reductions.add(new Kernel.Reduction(r instanceof Reduce.Max, v, slot));
        slotOf.put(n, slot);
    }

    /**
     * A reduction over some axes: an accumulation, in the loop over the input, into a float64 buffer
     * of the reduced shape (read back as the node's dtype, rounded once, as the interpreter does).
     */
    private void reducePartial(Node n, Reduce r) {
        Node in = n.input(0);
        KernelBuilder k = loopKernel(in.shape(), List.of(in));
        int v = operand(k, in);
        int[] keep = in.shape().toArray();
        for (int i = 0; i < r.axes().size(); i++) {
            keep[r.axes().get(i)] = 1;
        }
        int[] strides = Shape.of(keep).contiguousStrides();
        for (int i = 0; i < r.axes().size(); i++) {
            strides[r.axes().get(i)] = 0;
        }
        buffers.add(new Plan.Buffer(DType.FLOAT64, n.shape()));
        int buf = buffers.size() - 1;
        int target = k.loadIndex(buf, DType.FLOAT64, Views.dropUnit(in.shape(), strides), 0);
        k.accumulates.add(new Kernel.Accumulate(target, r instanceof Reduce.Max, v));
        bufferOf.put(n, buf);
        k.accumulated.add(n);
    }

    /** A kernel whose loop over {@code domain} can take an op reading {@code args}: the open one, or a new one. */
    private KernelBuilder loopKernel(Shape domain, List<Node> args) {
        for (Node a : args) {
            copyViewBreaks(a); // before this loop opens, so the copies run first
        }
        for (Node a : args) {
            Node base = Views.viewBase(a);
            if (Views.isOne(base) && fusableType(base.dtype())) {
                slot(base); // any read of a buffer into a slot happens before the loop opens
            }
        }
        KernelBuilder k = open;
        domain = Views.canonical(domain);
        boolean fits = k != null && (k.domain == null || k.domain.equals(domain)) && k.body.size() < maxBody;
        for (Node a : args) {
            fits &= fits && readableIn(k, a);
        }
        if (!fits) {
            close();
            for (Node a : args) {
                prepare(a);
            }
            k = openKernel(0);
        }
        k.domain = domain;
        return k;
    }

    /** Whether kernel {@code k}'s loop can read {@code a} without closing: a scalar ready before it, its own value, or a buffer. */
    private boolean readableIn(KernelBuilder k, Node a) {
        if (Views.isOne(a) && fusableType(a.dtype())) {
            return slotAvailable.get(slotOf.get(a)) <= k.index;
        }
        if (k.local.containsKey(a) || reshapeOfLocal(k, a) != null) {
            return true;
        }
        Node base = Views.viewBase(a);
        if (base != a && Views.isOne(base) && slotOf.containsKey(base)) {
            return slotAvailable.get(slotOf.get(base)) <= k.index;
        }
        return loopOf.get(base) != k && !k.accumulated.contains(base);
    }

    /** The loop-local node {@code a} is a chain of reshapes of (same order, same elements), or null. */
    private static Node reshapeOfLocal(KernelBuilder k, Node a) {
        Node base = a;
        while (base.op() instanceof Movement.Reshape) {
            base = base.input(0);
        }
        return base != a && k.local.containsKey(base) ? base : null;
    }

    /** Before a new kernel opens: make sure an argument's value will be readable (buffers for views of loop values). */
    private void prepare(Node a) {
        Node base = Views.viewBase(a);
        if (!(Views.isOne(base) && slotOf.containsKey(base)) && loopOf.containsKey(base)) {
            materialize(base);
        }
    }

    /** The instruction reading {@code a} in kernel {@code k}'s loop. */
    private int operand(KernelBuilder k, Node a) {
        Integer local = k.local.get(a);
        if (local != null) {
            return local;
        }
        Node reshaped = reshapeOfLocal(k, a);
        if (reshaped != null) {
            return k.local.get(reshaped);
        }
        Double constant = Views.constant(a);
        if (constant != null) {
            return k.add(new Instr.Const(constant, a.dtype())); // a literal in the loop, so the emitter can specialise on it
        }
        if (Views.isOne(a) && fusableType(a.dtype())) {
            return k.add(new Instr.Scalar(slot(a), a.dtype()));
        }
        Node base = Views.viewBase(a);
        if (Views.isOne(base) && fusableType(base.dtype())) {
            return k.add(new Instr.Scalar(slot(base), a.dtype()));
        }
        BufferView v = bufferView(a);
        return k.load(v.buffer(), buffers.get(v.buffer()).dtype(), a.dtype(), Views.onDomain(v.layout()));
    }

    /** A copy of buffer {@code b} (a float64 accumulator) in {@code n}'s own dtype, for outputs. */
    private int converted(Node n, int b) {
        close();
        KernelBuilder copy = openKernel(0);
        copy.domain = Views.canonical(n.shape());
        int v = copy.load(b, DType.FLOAT64, n.dtype(), Views.onDomain(Layout.contiguous(n.shape())));
        buffers.add(new Plan.Buffer(n.dtype(), n.shape()));
        int out = buffers.size() - 1;
        copy.stores.add(new Kernel.Store(out, n.dtype(), v));
        close();
        return out;
    }

    /** Runs a node the kernels do not cover as a single interpreted op. */
    private void opStep(Node n) {
        close();
        List<Integer> ins = new ArrayList<>();
        for (Node in : n.inputs()) {
            // a view an interpreted op reads (a reshaped gradient into col2im's scatter): a movement step of its
            // own, which the runtime can run as a view of its source instead of a copy loop
            boolean view = Views.isView(in) && !Views.isOne(in) && !bufferOf.containsKey(in) && !loopOf.containsKey(in)
                    && !slotOf.containsKey(in);
            if (view) {
                opStep(in);
            }
            ins.add(view ? bufferOf.get(in) : materialize(in));
        }
        close();
        int out = newBuffer(n);
        bufferOf.put(n, out);
        steps.add(new Plan.OpStep(n.op(), ins, out));
        if (Views.isOne(n) && fusableType(n.dtype())) {
            int slot = newSlot(kernels.size());
            steps.add(new Plan.ReadScalar(out, slot));
            slotOf.put(n, slot);
        }
    }

    /** The buffer holding {@code n}'s value, storing it from its loop or computing it as needed. */
    private int materialize(Node n) {
        Integer b = bufferOf.get(n);
        if (b != null) {
            return b;
        }
        KernelBuilder k = loopOf.get(n);
        if (k != null) {
            if (k == open) {
                close();
            }
            int buf = newBuffer(n);
            k.stores.add(new Kernel.Store(buf, n.dtype(), k.local.get(n)));
            bufferOf.put(n, buf);
            return buf;
        }
        Integer slot = slotOf.get(n);
        if (slot != null) {
            close();
            int buf = newBuffer(n);
            steps.add(new Plan.WriteScalar(slot, buf));
            bufferOf.put(n, buf);
            return buf;
        }
        if (Views.isView(n) && fusableType(n.dtype()) && !Views.isOne(n)) {
            // a view needed whole: a copy loop of its own that reads the source through strides
            close();
            KernelBuilder copy = loopKernel(n.shape(), List.of(n));
            int v = operand(copy, n);
            int buf = newBuffer(n);
            copy.stores.add(new Kernel.Store(buf, n.dtype(), v));
            bufferOf.put(n, buf);
            close();
            return buf;
        }
        // anything else not yet placed: an interpreted op on its materialized input
        opStep(n);
        return bufferOf.get(n);
    }

    private int newBuffer(Node n) {
        buffers.add(new Plan.Buffer(n.dtype(), n.shape()));
        return buffers.size() - 1;
    }

    private int newSlot(int available) {
        slotAvailable.add(available);
        return slotAvailable.size() - 1;
    }
}
