package dev.kiln;

import dev.kiln.spi.Executable;
import dev.kiln.spi.Storage;
import dev.kiln.spi.TensorData;
import java.util.List;

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
    /** Whether the plan keeps its buffer set from one call to the next (see {@link #kept}). */
    private final boolean keepsRuns;
    /** The device the plan runs on; its inputs, outputs and writes live there. */
    private final Device device;
    /** The arrays a run walks, made on the first run (looking a plan up, as {@code prepare} does, needs none). */
    private Flat flat;
    /**
     * A writing plan's own buffer set, kept from one call to the next: such calls run one at a time
     * (under the compiled function's write lock), so they need not take a set from the executable's
     * pool and give it back, and its captured inputs stay bound. Null before the first call, after a
     * failed run, for pure plans (they may run on several threads at once), for a dynamic call's plan
     * (made for one call) and where the backend cannot keep runs.
     */
    private Executable.Run kept;
    /**
     * Per captured input slot, the last value bound that needed no copy (contiguous, on the plan's
     * device): the same value again is bound without checking. A race stores an equally good value.
     * Null for a plan made for one call.
     */
    private final TensorData[] bound;

    /**
     * Per input slot: the call argument it takes, or -1 for {@code captured}'s tensor (and whether
     * it is an argument, for {@link Executable.Run#keep}); then the writes.
     */
    private record Flat(int[] argument, boolean[] isArgument, Tensor[] captured, Trace.GeneratorUse[] generators,
            Tensor[] writeTargets, GradEffect[] effects, int results, boolean noArguments) {
        static Flat of(Traced traced) {
            int n = traced.bindings.size();
            int[] argument = new int[n];
            boolean[] isArgument = new boolean[n];
            boolean noArguments = true;
            Tensor[] captured = new Tensor[n];
            for (int k = 0; k < n; k++) {
                switch (traced.bindings.get(k)) {
                    case Binding.Argument a -> {
                        argument[k] = a.index();
                        isArgument[k] = true;
                        noArguments = false;
                    }
                    case Binding.Captured c -> {
                        argument[k] = -1;
                        captured[k] = c.tensor();
                    }
                }
            }
            return new Flat(argument, isArgument, captured, traced.generators.toArray(new Trace.GeneratorUse[0]),
                    traced.writeTargets.toArray(new Tensor[0]), traced.gradEffects.toArray(new GradEffect[0]), traced.results,
                    noArguments);
        }
    }

    /**
     * @param reused whether calls after this one run this bound plan again (a static plan, cached), so
     *     that a writing plan may keep its buffer set; a dynamic call's bound plan is made for it alone
     */
    BoundPlan(Traced traced, Executable exe, boolean reused) {
        this.traced = traced;
        this.exe = exe;
        this.pure = traced.pure();
        this.keepsRuns = reused && !pure;
        this.device = traced.device;
        this.bound = reused ? new TensorData[traced.bindings.size()] : null;
    }

    /** The flattened arrays; threads racing here make equal ones (a record's final fields publish safely). */
    private Flat flat() {
        Flat f = flat;
        if (f == null) {
            flat = f = Flat.of(traced);
        }
        return f;
    }

    /** Whether calls write nothing shared (see {@link Traced#pure()}). */
    boolean pure() {
        return pure;
    }

    boolean guardsHold() {
        return traced.guardsHold();
    }

    /** Runs and returns the first output. */
    Tensor run(Tensor[] inputs) {
        Executable.Run run = execute(inputs);
        try {
            return copyOut(run, 0);
        } finally {
            end(run);
        }
    }

    /** Runs and returns every output the function returned. */
    List<Tensor> runAll(Tensor[] inputs) {
        Executable.Run run = execute(inputs);
        try {
            int results = flat().results();
            Tensor[] out = new Tensor[results];
            for (int i = 0; i < results; i++) {
                out[i] = copyOut(run, i);
            }
            return List.of(out);
        } finally {
            end(run);
        }
    }

    /** After a run: a writing plan keeps its set for the next call (dropping the arguments), others give it back. */
    private void end(Executable.Run run) {
        if (keepsRuns) {
            Flat f = flat();
            // a set already kept that holds no arguments has nothing to drop
            if (run == kept && f.noArguments() || run.keep(f.isArgument())) {
                kept = run;
                return;
            }
            kept = null; // the backend cannot keep it
        }
        run.close();
    }

    private static final TensorData[] NO_TARGETS = new TensorData[0];

    /** Binds, runs, and writes back; the caller copies the outputs out, then closes the run. */
    private Executable.Run execute(Tensor[] inputs) {
        Flat f = flat();
        int[] argument = f.argument();
        Tensor[] captured = f.captured();
        Trace.GeneratorUse[] generators = f.generators();
        Tensor[] writeTargets = f.writeTargets();
        int results = f.results();
        for (Trace.GeneratorUse g : generators) {
            g.bind();
        }
        Executable.Run run = keepsRuns ? kept : null;
        if (run == null) {
            run = exe.open();
        }
        boolean written;
        TensorData[] targets = writeTargets.length == 0 ? NO_TARGETS : new TensorData[writeTargets.length];
        try {
            for (int k = 0; k < argument.length; k++) {
                Tensor t = argument[k] >= 0 ? inputs[argument[k]] : captured[k];
                TensorData d = t.data();
                if (bound == null || d != bound[k]) {
                    d = t.contiguous().data();
                    // only scalars (hyper-parameters, a generator's counters) come from another device: the trace checked the rest
                    if (d.device() == device || d.device().equals(device)) {
                        if (bound != null && d == t.data() && argument[k] < 0) { // a call's arguments are not held
                            bound[k] = d;
                        }
                    } else {
                        d = Backends.transfer(d, device);
                    }
                }
                run.input(k, d);
            }
            for (int i = 0; i < targets.length; i++) {
                targets[i] = writeTargets[i].data();
            }
            written = run.call(targets, results);
        } catch (RuntimeException | Error e) {
            if (keepsRuns) {
                kept = null; // a run that fails is not kept
            }
            run.close();
            throw e;
        }
        // Everything has been computed; only now is anything written (a backend's call wrote its targets last).
        for (Trace.GeneratorUse g : generators) {
            g.advance();
        }
        for (int i = 0; i < targets.length; i++) {
            if (!written) {
                Backends.copy(run.output(results + i), targets[i]);
            }
            targets[i].storage().bumpVersion();
        }
        for (GradEffect effect : f.effects()) {
            switch (effect) {
                case GradEffect.Clear c -> c.tensor().clearGrad();
                case GradEffect.FromOutput o -> setGrad(o.tensor(), run.output(o.output()));
                case GradEffect.SetTo s -> s.tensor().setGrad(s.value());
            }
        }
        return run;
    }

    /** Output {@code i} as the caller's own tensor (copied: the run's buffers are written again by later runs). */
    private static Tensor copyOut(Executable.Run run, int i) {
        TensorData value = run.output(i);
        if (!value.onHost()) {
            return Tensor.wrap(ownCopy(value));
        }
        // a dense output's layout (immutable) is shared by the copy
        TensorData result = value.layout().offset() == 0 && value.layout().isContiguous()
                ? new TensorData(Storage.allocate(value.dtype(), value.shape().numel()), value.layout())
                : TensorData.allocate(value.shape(), value.dtype());
        result.copyFrom(value);
        return Tensor.wrap(result);
    }

    /** A fresh copy of {@code value} on its own device. */
    private static TensorData ownCopy(TensorData value) {
        TensorData copy = Backends.allocate(value.device(), value.shape(), value.dtype());
        Backends.copy(value, copy);
        return copy;
    }

    /** A gradient output: copied into the existing gradient where it fits, else a new tensor. */
    private static void setGrad(Tensor t, TensorData value) {
        Tensor g = t.grad();
        if (g != null && g.shape().equals(value.shape()) && g.dtype() == value.dtype() && g.isContiguous()
                && g.device().equals(value.device())) {
            Backends.copy(value, g.data());
            g.data().storage().bumpVersion();
        } else {
            t.setGrad(Tensor.wrap(ownCopy(value)));
        }
    }
}
