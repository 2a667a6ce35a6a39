package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.optim.LRScheduler;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.SGD;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Scheduler state dicts and {@code initial_lr} against PyTorch 1.13 (resources/nn/make_scheduler_states.py):
 * the entries of every scheduler's state dict, resuming with {@code lastEpoch}, a schedule built after
 * loading the optimizer alone, round trips, and refusals that change nothing.
 */
class SchedulerStateTest {
    /** PyTorch's entries with no counterpart here: its verbose flags; OneCycleLR's phases, bound method and flags. */
    static final Set<String> PYTORCH_ONLY = Set.of("verbose", "_get_lr_called_within_step", "_schedule_phases", "anneal_func",
            "cycle_momentum", "use_beta1");
    /** OneCycleLR's arguments, which PyTorch keeps in the parameter groups and the phases. */
    static final Set<String> KILN_ONLY = Set.of("max_lr", "pct_start", "div_factor", "final_div_factor");

    static final Map<String, Function<Optimizer<?>, LRScheduler>> CASES = new LinkedHashMap<>();

    static {
        CASES.put("step", o -> new LRScheduler.StepLR(o, 3, 0.5));
        CASES.put("multistep", o -> new LRScheduler.MultiStepLR(o, new int[] {5, 2, 9, 5}, 0.3));
        CASES.put("exponential", o -> new LRScheduler.ExponentialLR(o, 0.9));
        CASES.put("cosine", o -> new LRScheduler.CosineAnnealingLR(o, 7, 0.001));
        CASES.put("linear", o -> new LRScheduler.LinearLR(o, 0.25, 1.0, 6));
        CASES.put("onecycle", o -> new LRScheduler.OneCycleLR(o, 0.05, 20));
    }

    static Map<String, Map<String, String[]>> fixtures() throws Exception {
        Map<String, Map<String, String[]>> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(SchedulerStateTest.class.getResource("/nn/scheduler_states.txt").toURI()))) {
            String[] f = line.trim().split(" ");
            out.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).put(f[1], java.util.Arrays.copyOfRange(f, 2, f.length));
        }
        return out;
    }

    /** The fixtures' optimizer: SGD with momentum 0.9 over two groups at the given rates. */
    static SGD optimizer(double lr0, double lr1) {
        Tensor a = Tensor.zeros(2).to(DType.FLOAT64).requiresGrad_(true);
        Tensor b = Tensor.zeros(1).to(DType.FLOAT64).requiresGrad_(true);
        return new SGD(List.of(new Optimizer.ParamGroup<>(List.of(a), SGD.Options.lr(lr0).withMomentum(0.9)),
                new Optimizer.ParamGroup<>(List.of(b), SGD.Options.lr(lr1).withMomentum(0.9))));
    }

    static void steps(Optimizer<?> o, LRScheduler s, int n) {
        for (int i = 0; i < n; i++) {
            for (Optimizer.ParamGroup<?> g : o.paramGroups()) {
                g.params().forEach(p -> p.setGrad(Tensor.ones(p.shape(), p.dtype())));
            }
            o.step();
            s.step();
        }
    }

    static double[] numbers(Object v) {
        return v instanceof List<?> l ? l.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray()
                : new double[] {((Number) v).doubleValue()};
    }

    static double[] numbers(String[] v) {
        return java.util.Arrays.stream(v).mapToDouble(Double::parseDouble).toArray();
    }

    static void close(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-15 * Math.max(1, Math.abs(expected[i])), what + "[" + i + "]");
        }
    }

    /** Kiln's state dict and groups against PyTorch's entries for one case. */
    static void matches(Map<String, String[]> torch, Optimizer<?> o, LRScheduler s, String c) {
        LRScheduler.StateDict d = s.stateDict();
        assertEquals(s.getClass().getName(), d.kind(), c);
        Set<String> expected = new HashSet<>(torch.keySet());
        expected.removeIf(k -> k.startsWith("group.") || k.equals("closed_form_lr") || PYTORCH_ONLY.contains(k));
        if (c.equals("onecycle")) {
            expected.addAll(KILN_ONLY);
        }
        assertEquals(expected, d.state().keySet(), c + ": the state dict's entries");
        for (var e : d.state().entrySet()) {
            if (KILN_ONLY.contains(e.getKey())) {
                continue;
            }
            // Kiln's schedules are PyTorch's closed forms (they agree with its step() but where the rate was changed outside)
            String[] want = e.getKey().equals("_last_lr") && torch.containsKey("closed_form_lr") ? torch.get("closed_form_lr") : torch.get(e.getKey());
            close(numbers(want), numbers(e.getValue()), c + " " + e.getKey());
            if (List.of("last_epoch", "_step_count", "step_size", "T_max", "total_iters", "total_steps").contains(e.getKey())) {
                assertEquals(Integer.class, e.getValue().getClass(), c + " " + e.getKey() + " is an int");
            }
        }
        List<Double> initial = new ArrayList<>();
        List<Double> lr = new ArrayList<>();
        List<Double> momentum = new ArrayList<>();
        for (Optimizer.ParamGroup<?> g : o.paramGroups()) {
            initial.add(g.initialLr().orElseThrow());
            lr.add(((SGD.Options) g.options()).lr());
            momentum.add(((SGD.Options) g.options()).momentum());
        }
        close(numbers(torch.get("group.initial_lr")), numbers(initial), c + " initial_lr");
        close(numbers(torch.containsKey("closed_form_lr") ? torch.get("closed_form_lr") : torch.get("group.lr")), numbers(lr), c + " lr");
        close(numbers(torch.get("group.momentum")), numbers(momentum), c + " momentum");
        assertEquals(lr, s.lastLr(), c + " lastLr");
    }

    @Test
    void everySchedulersStateDictHoldsPytorchsEntries() throws Exception {
        Map<String, Map<String, String[]>> f = fixtures();
        for (var c : CASES.entrySet()) {
            SGD o = optimizer(0.1, 0.02);
            LRScheduler s = c.getValue().apply(o);
            steps(o, s, 4);
            matches(f.get(c.getKey()), o, s, c.getKey());
        }
        // milestones in order, as often as given (PyTorch's Counter)
        SGD o = optimizer(0.1, 0.02);
        assertEquals(List.of(2, 5, 5, 9), CASES.get("multistep").apply(o).stateDict().state().get("milestones"));
        LRScheduler one = CASES.get("onecycle").apply(optimizer(0.1, 0.02));
        assertEquals(List.of(20, 0.05, 0.3, 25.0, 1e4), List.copyOf(one.stateDict().state().values()).subList(0, 5));
    }

    @Test
    void resumingWithLastEpochTakesTheOptimizersInitialLr() throws Exception {
        SGD o = optimizer(0.1, 0.02);
        steps(o, new LRScheduler.StepLR(o, 3, 0.5), 4);
        matches(fixtures().get("step_resumed"), o, new LRScheduler.StepLR(o, 3, 0.5, 4), "step_resumed");

        // without an initial rate, PyTorch's KeyError, and the optimizer as it was
        SGD fresh = optimizer(0.1, 0.02);
        fresh.paramGroups().getFirst().setInitialLr(0.1);
        KilnException e = assertThrows(KilnException.class, () -> new LRScheduler.ExponentialLR(fresh, 0.9, 4));
        assertTrue(e.getMessage().startsWith("param 'initial_lr' is not specified in param_groups[1] when resuming an optimizer"),
                e.getMessage());
        assertEquals(OptionalDouble.empty(), fresh.paramGroups().get(1).initialLr());
        assertEquals(0.02, fresh.paramGroups().get(1).options().lr());
    }

    @Test
    void aScheduleBuiltAfterLoadingTheOptimizerStartsFromInitialLr() throws Exception {
        SGD trained = optimizer(0.1, 0.02);
        steps(trained, new LRScheduler.StepLR(trained, 3, 0.5), 4);
        Optimizer.StateDict<SGD.Options> saved = trained.stateDict();
        assertEquals(List.of(OptionalDouble.of(0.1), OptionalDouble.of(0.02)), saved.initialLrs());

        SGD resumed = optimizer(0.7, 0.7);
        resumed.loadStateDict(saved);
        assertEquals(0.05, resumed.paramGroups().getFirst().options().lr());
        LRScheduler s = new LRScheduler.StepLR(resumed, 3, 0.5); // not the loaded rate, 0.05: the run's first, 0.1
        matches(fixtures().get("step_after_load"), resumed, s, "step_after_load");
        assertEquals(List.of(0.1, 0.02), s.baseLrs());
        steps(resumed, s, 3);
        assertEquals(List.of(0.05, 0.01), s.lastLr());

        // a dict without initial_lr (as before any schedule) leaves none, as PyTorch replaces the groups
        resumed.loadStateDict(new Optimizer.StateDict<>(saved.state(), saved.groups()));
        assertEquals(OptionalDouble.empty(), resumed.paramGroups().getFirst().initialLr());
    }

    @Test
    void aStateDictRoundTripsIntoAnotherSchedulerOfItsKind() {
        for (var c : CASES.entrySet()) {
            SGD a = optimizer(0.1, 0.02);
            LRScheduler s = c.getValue().apply(a);
            steps(a, s, 6);
            SGD b = optimizer(0.3, 0.3);
            LRScheduler t = other(c.getKey(), b);
            t.loadStateDict(s.stateDict());
            assertEquals(s.stateDict(), t.stateDict(), c.getKey());
            b.loadStateDict(a.stateDict());
            steps(a, s, 5);
            steps(b, t, 5);
            assertEquals(s.stateDict(), t.stateDict(), c.getKey() + " after 5 more steps");
            assertEquals(a.paramGroups().get(1).options(), b.paramGroups().get(1).options(), c.getKey());
        }
    }

    /** A scheduler of case {@code c}'s kind built with other arguments. */
    static LRScheduler other(String c, Optimizer<?> o) {
        return switch (c) {
            case "step" -> new LRScheduler.StepLR(o, 10, 0.1);
            case "multistep" -> new LRScheduler.MultiStepLR(o, new int[] {1}, 0.5);
            case "exponential" -> new LRScheduler.ExponentialLR(o, 0.5);
            case "cosine" -> new LRScheduler.CosineAnnealingLR(o, 3, 0.0);
            case "linear" -> new LRScheduler.LinearLR(o, 0.5, 0.75, 2);
            default -> new LRScheduler.OneCycleLR(o, 0.9, 50, 0.5, 5, 10);
        };
    }

    @Test
    void aStateDictThatDoesNotFitChangesNothing() {
        SGD o = optimizer(0.1, 0.02);
        LRScheduler exp = new LRScheduler.ExponentialLR(o, 0.9);
        steps(o, exp, 2);
        LRScheduler.StateDict before = exp.stateDict();
        Object optionsBefore = o.paramGroups().getFirst().options();

        LRScheduler.StateDict step = new LRScheduler.StepLR(optimizer(0.1, 0.02), 3, 0.5).stateDict();
        KilnException kind = assertThrows(KilnException.class, () -> exp.loadStateDict(step));
        assertTrue(kind.getMessage().contains("StepLR") && kind.getMessage().contains("ExponentialLR")
                && kind.getMessage().contains("another kind of scheduler"), kind.getMessage());

        List<Map<String, Object>> bad = new ArrayList<>();
        bad.add(with(before, "gamma", "0.9"));
        bad.add(with(before, "base_lrs", List.of(0.1)));
        bad.add(with(before, "_last_lr", List.of(0.1, -1.0)));
        bad.add(with(before, "last_epoch", -3));
        bad.add(with(before, "last_epoch", 1L << 40));
        Map<String, Object> missing = new LinkedHashMap<>(before.state());
        missing.remove("_step_count");
        bad.add(missing);
        Map<String, Object> unexpected = new LinkedHashMap<>(before.state());
        unexpected.put("step_size", 3);
        bad.add(unexpected);
        for (Map<String, Object> state : bad) {
            KilnException e = assertThrows(KilnException.class, () -> exp.loadStateDict(new LRScheduler.StateDict(before.kind(), state)),
                    state.toString());
            assertTrue(e.getMessage().startsWith("ExponentialLR.loadStateDict: "), e.getMessage());
        }
        LRScheduler steps = new LRScheduler.StepLR(optimizer(0.1, 0.02), 3, 0.5);
        KilnException size = assertThrows(KilnException.class,
                () -> steps.loadStateDict(new LRScheduler.StateDict(step.kind(), with(step, "step_size", 0))));
        assertTrue(size.getMessage().contains("stepSize must be positive, got 0"), size.getMessage());

        assertEquals(before, exp.stateDict());
        assertEquals(optionsBefore, o.paramGroups().getFirst().options());
        // and a refused construction leaves the optimizer's groups without an initial rate
        SGD fresh = optimizer(0.1, 0.02);
        assertThrows(KilnException.class, () -> new LRScheduler.StepLR(fresh, 0, 0.5));
        assertThrows(KilnException.class, () -> new LRScheduler.OneCycleLR(fresh, 0.05, 1));
        assertEquals(OptionalDouble.empty(), fresh.paramGroups().getFirst().initialLr());
    }

    static Map<String, Object> with(LRScheduler.StateDict d, String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(d.state());
        m.put(key, value);
        return m;
    }
}
