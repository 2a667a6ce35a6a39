package dev.kiln.codegen.kernel;

import dev.kiln.DType;
import dev.kiln.spi.Layout;
import dev.kiln.Shape;
import dev.kiln.ir.Node;
import dev.kiln.ir.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A kernel under construction by the {@link FusionPlanner}: equal instructions and equal loads are made once. */
final class KernelBuilder {
    final int index;
    Shape domain;
    final List<Kernel.Statement> prologue = new ArrayList<>();
    final List<Kernel.Load> loads = new ArrayList<>();
    final List<Instr> body = new ArrayList<>();
    final Map<Node, Integer> local = new IdentityHashMap<>();
    final List<Kernel.Reduction> reductions = new ArrayList<>();
    final List<Kernel.Accumulate> accumulates = new ArrayList<>();
    final Set<Node> accumulated = Collections.newSetFromMap(new IdentityHashMap<>());
    final List<Kernel.Store> stores = new ArrayList<>();
    final List<Kernel.Statement> epilogue = new ArrayList<>();
    /** Instructions by value: an {@code Apply}'s argument array as a list, so equal ones are equal keys. */
    private final Map<Object, Integer> interned = new HashMap<>();
    private final Map<LoadKey, Integer> loadIndex = new HashMap<>();

    private record ApplyKey(Op op, List<Integer> args, DType dtype) {
    }

    private record LoadKey(int buffer, List<Integer> strides, int offset) {
    }

    KernelBuilder(int index) {
        this.index = index;
    }

    int add(Instr i) {
        Object key = i instanceof Instr.Apply a ? new ApplyKey(a.op(), Arrays.stream(a.args()).boxed().toList(), a.dtype()) : i;
        Integer existing = interned.get(key);
        if (existing != null) {
            return existing;
        }
        body.add(i);
        interned.put(key, body.size() - 1);
        return body.size() - 1;
    }

    /** Reads a buffer of {@code bufferType} as values of {@code valueType}. */
    int load(int buffer, DType bufferType, DType valueType, Layout layout) {
        return add(new Instr.Load(loadIndex(buffer, bufferType, layout.strides(), layout.offset()), valueType));
    }

    int loadIndex(int buffer, DType dtype, int[] strides, int offset) {
        LoadKey key = new LoadKey(buffer, Arrays.stream(strides).boxed().toList(), offset);
        Integer l = loadIndex.get(key);
        if (l == null) {
            loads.add(new Kernel.Load(buffer, dtype, strides, offset));
            l = loads.size() - 1;
            loadIndex.put(key, l);
        }
        return l;
    }

    Kernel build() {
        return new Kernel("k" + index, List.copyOf(prologue), domain, List.copyOf(loads), List.copyOf(body),
                List.copyOf(reductions), List.copyOf(accumulates), List.copyOf(stores), List.copyOf(epilogue));
    }
}
