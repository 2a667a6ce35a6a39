package dev.kiln.distributed;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.nn.Module;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data-parallel training of a module across the processes of a group (PyTorch's
 * {@code DistributedDataParallel}): at construction every rank takes rank 0's parameters and buffers;
 * after each backward the gradients are averaged across ranks, so every rank's optimizer step sees
 * the same gradients and the parameters stay identical, bit for bit, on every rank.
 *
 * <p>Gradients are averaged in buckets of at most {@code bucketCapMb} megabytes (parameters in
 * reverse registration order, as PyTorch fills them; one dtype per bucket): a bucket is all-reduced
 * as soon as the backward has accumulated the gradient of each of its parameters. In a compiled
 * training step the same happens while tracing, so each bucket's all-reduce is a step of the
 * compiled plan, after the kernels that compute its gradients. Every parameter that requires grad
 * must receive a gradient in each backward (PyTorch's {@code find_unused_parameters} is not supported):
 * the next {@link #forward} fails naming those that did not.
 */
public final class DistributedDataParallel extends Module {
    /** PyTorch's default bucket size. */
    public static final double DEFAULT_BUCKET_MB = 25;

    private final Module module;
    private final ProcessGroup group;
    private final List<List<Tensor>> buckets = new ArrayList<>();
    private final Map<Tensor, Integer> bucketOf = new IdentityHashMap<>();
    private final Map<Tensor, Boolean> ready = new IdentityHashMap<>();
    private final int[] pending;

    /**
     * Wraps {@code module} in the {@link ProcessGroup#world()} group with PyTorch's bucket size; every rank
     * takes rank 0's parameters and float32, float64 and int64 buffers.
     *
     * @param module the module to train (registered as the child {@code module})
     */
    public DistributedDataParallel(Module module) {
        this(module, ProcessGroup.world(), DEFAULT_BUCKET_MB);
    }

    /**
     * Wraps {@code module} in {@code group}; every rank takes rank 0's parameters and float32, float64 and
     * int64 buffers.
     *
     * @param module the module to train (registered as the child {@code module})
     * @param group the processes that train it
     * @param bucketCapMb the largest gradient bucket, in megabytes ({@code bucket_cap_mb})
     * @throws KilnException if {@code bucketCapMb} is not positive, or the broadcast of the parameters fails
     */
    public DistributedDataParallel(Module module, ProcessGroup group, double bucketCapMb) {
        if (!(bucketCapMb > 0)) {
            throw new KilnException("DistributedDataParallel: bucketCapMb must be positive, got " + bucketCapMb);
        }
        this.module = module("module", module);
        this.group = group;
        for (Tensor p : module.parameters()) {
            group.broadcast(p, 0);
        }
        for (Tensor b : module.buffers()) {
            if (b.dtype() == DType.FLOAT32 || b.dtype() == DType.FLOAT64 || b.dtype() == DType.INT64) {
                group.broadcast(b, 0);
            }
        }
        long cap = (long) (bucketCapMb * 1024 * 1024);
        List<Tensor> params = new ArrayList<>(module.parameters()).reversed();
        List<Tensor> current = new ArrayList<>();
        long bytes = 0;
        for (Tensor p : params) {
            if (!p.requiresGrad() || bucketOf.containsKey(p)) {
                continue;
            }
            long size = p.numel() * (p.dtype() == DType.FLOAT32 ? 4L : 8L);
            if (!current.isEmpty() && (bytes + size > cap || current.getFirst().dtype() != p.dtype())) {
                buckets.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            bucketOf.put(p, buckets.size());
            current.add(p);
            bytes += size;
        }
        if (!current.isEmpty()) {
            buckets.add(current);
        }
        pending = new int[buckets.size()];
        for (int b = 0; b < buckets.size(); b++) {
            pending[b] = buckets.get(b).size();
        }
        for (Tensor p : bucketOf.keySet()) {
            p.registerPostAccumulateGradHook(this::accumulated);
        }
    }

    /**
     * The wrapped module, as {@code ddp.module}.
     *
     * @return the module given to the constructor
     */
    public Module module() {
        return module;
    }

    /**
     * The group the gradients are averaged over.
     *
     * @return the process group
     */
    public ProcessGroup group() {
        return group;
    }

    /**
     * The buckets' sizes in parameters, in all-reduce order.
     *
     * @return each bucket's number of parameters
     */
    public List<Integer> bucketSizes() {
        return buckets.stream().map(List::size).toList();
    }

    @Override
    public Tensor forward(Tensor input) {
        checkLastBackward();
        return module.forward(input);
    }

    private synchronized void checkLastBackward() {
        List<String> missing = new ArrayList<>();
        for (int b = 0; b < buckets.size(); b++) {
            if (pending[b] != buckets.get(b).size()) {
                for (Tensor p : buckets.get(b)) {
                    if (!ready.containsKey(p)) {
                        missing.add(nameOf(p));
                    }
                }
                pending[b] = buckets.get(b).size();
            }
        }
        ready.clear();
        if (!missing.isEmpty()) {
            throw new KilnException("DistributedDataParallel: the last backward gave no gradient to " + missing
                    + ", so their buckets were never averaged across ranks; every parameter that requires grad must take part in the loss");
        }
    }

    private String nameOf(Tensor p) {
        for (Map.Entry<String, Tensor> e : module.namedParameters().entrySet()) {
            if (e.getValue() == p) {
                return e.getKey();
            }
        }
        return "a parameter of shape " + p.shape();
    }

    /** A parameter's gradient is complete for this backward; a full bucket is averaged at once. */
    private synchronized void accumulated(Tensor p) {
        Integer b = bucketOf.get(p);
        if (b == null || ready.put(p, Boolean.TRUE) != null) {
            return; // a second backward before the bucket completed: its gradient is already counted
        }
        if (--pending[b] > 0) {
            return;
        }
        List<Tensor> bucket = buckets.get(b);
        List<Tensor> grads = new ArrayList<>();
        for (Tensor q : bucket) {
            grads.add(q.grad().reshape(-1));
        }
        Tensor flat = grads.size() == 1 ? grads.getFirst() : Tensor.cat(grads, 0);
        Tensor mean = group.allReduced(flat, ReduceOp.MEAN);
        long at = 0;
        for (Tensor q : bucket) {
            int n = (int) q.numel();
            Tensor piece = grads.size() == 1 ? mean : mean.slice(0, (int) at, (int) at + n, 1);
            q.setGrad(piece.reshape(q.shape().toArray()));
            at += n;
        }
        pending[b] = bucket.size();
        for (Tensor q : bucket) {
            ready.remove(q);
        }
    }
}
