package dev.kiln;

/**
 * A trace with its executable: binds the inputs, runs, then writes back. What a call walks is
 * flattened into arrays once (a static step's fixed cost is a few hundred nanoseconds; lists and
 * map iterators were a visible part of it). Holds no per-call state: the executable's pool gives
 * each run its own buffers, so pure plans run on several threads at once.
 */
final class BoundPlan {
    final Traced traced;
    final Executable exe;
    private final boolean pure;
    /** Per input slot: the call argument it takes, or -1 for {@link #captured}'s tensor. */
    private final int[] argument;
    private final Tensor[] captured;
    private final Trace.GeneratorUse[] generators;
    private final Tensor[] writeTargets;
    private final GradEffect[] effects;

    BoundPlan(Traced traced, Executable exe) {
        this.traced = traced;
        this.exe = exe;
        this.pure = traced.pure();
        int n = traced.bindings.size();
        argument = new int[n];
        captured = new Tensor[n];
        for (int k = 0; k < n; k++) {
            switch (traced.bindings.get(k)) {
                case Binding.Argument a -> argument[k] = a.index();
                case Binding.Captured c -> {
                    argument[k] = -1;
                    captured[k] = c.tensor();
                }
            }
        }
        generators = traced.generators.toArray(new Trace.GeneratorUse[0]);
        writeTargets = traced.writeTargets.toArray(new Tensor[0]);
        effects = traced.gradEffects.toArray(new GradEffect[0]);
    }

    /** Whether calls write nothing shared (see {@link Traced#pure()}). */
    boolean pure() {
        return pure;
    }

    boolean guardsHold() {
        return traced.guardsHold();
    }

    Tensor run(Tensor[] inputs) {
        for (Trace.GeneratorUse g : generators) {
            g.bind();
        }
        try (Executable.Run run = exe.open()) {
            for (int k = 0; k < argument.length; k++) {
                Tensor t = argument[k] >= 0 ? inputs[argument[k]] : captured[k];
                run.input(k, t.contiguous().data());
            }
            run.run();
            // Everything has been computed; only now is anything written.
            for (Trace.GeneratorUse g : generators) {
                g.advance();
            }
            for (int i = 0; i < writeTargets.length; i++) {
                TensorData target = writeTargets[i].data();
                target.copyFrom(run.output(1 + i));
                target.storage().bumpVersion();
            }
            for (GradEffect effect : effects) {
                switch (effect) {
                    case GradEffect.Clear c -> c.tensor().clearGrad();
                    case GradEffect.FromOutput o -> setGrad(o.tensor(), run.output(o.output()));
                    case GradEffect.SetTo s -> s.tensor().setGrad(s.value());
                }
            }
            // The run's buffers go back to the pool: hand the caller its own copy.
            TensorData value = run.output(0);
            // a dense output's layout (immutable) is shared by the copy
            TensorData result = value.layout().offset() == 0 && value.layout().isContiguous()
                    ? new TensorData(Storage.allocate(value.dtype(), value.shape().numel()), value.layout())
                    : TensorData.allocate(value.shape(), value.dtype());
            result.copyFrom(value);
            return Tensor.wrap(result);
        }
    }

    /** A gradient output: copied into the existing gradient where it fits, else a new tensor. */
    private static void setGrad(Tensor t, TensorData value) {
        Tensor g = t.grad();
        if (g != null && g.shape().equals(value.shape()) && g.dtype() == value.dtype() && g.isContiguous()) {
            g.data().copyFrom(value);
            g.data().storage().bumpVersion();
        } else {
            TensorData copy = TensorData.allocate(value.shape(), value.dtype());
            copy.copyFrom(value);
            t.setGrad(Tensor.wrap(copy));
        }
    }
}
