package dev.kiln.samples;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.onnx.Onnx;
import dev.kiln.onnx.OnnxModule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code onnx-run MODEL.onnx [--batch N]}: imports an ONNX model (say one PyTorch's torch.onnx.export wrote), prints
 * its graph summary, and runs it eagerly and compiled on random input of the shapes it declares (its dynamic axes
 * take N, 1 by default; integer inputs, token ids, are zeros). Prints each output's shape and first values.
 */
public final class OnnxRunSample {
    private OnnxRunSample() {}

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: onnx-run MODEL.onnx [--batch N]");
            System.exit(2);
        }
        int batch = 1;
        int at = Arrays.asList(args).indexOf("--batch");
        if (at >= 0 && at + 1 < args.length) {
            batch = Integer.parseInt(args[at + 1]);
        }
        OnnxModule model = Onnx.load(Path.of(args[0]));
        model.eval();
        System.out.print(model.summary());
        Kiln.manualSeed(0);
        List<Tensor> inputs = new ArrayList<>();
        for (String name : model.inputNames()) {
            int[] dims = model.inputShape(name);
            for (int d = 0; d < dims.length; d++) {
                dims[d] = dims[d] < 0 ? batch : dims[d];
            }
            DType dtype = model.inputDtype(name);
            inputs.add(dtype.isFloating() ? Tensor.randn(Shape.of(dims), dtype, Kiln.defaultGenerator()) : Tensor.zeros(Shape.of(dims), dtype));
        }
        long start = System.nanoTime();
        List<Tensor> eager;
        try (var s = Kiln.noGrad()) {
            eager = model.forward(inputs);
        }
        long eagerNs = System.nanoTime() - start;
        CompiledFunction compiled = Kiln.compileAll(xs -> model.forward(List.of(xs)));
        start = System.nanoTime();
        List<Tensor> outputs = compiled.callAll(inputs.toArray(Tensor[]::new));
        long compiledNs = System.nanoTime() - start;
        for (int k = 0; k < outputs.size(); k++) {
            double[] v = outputs.get(k).toDoubleArray();
            double diff = 0;
            double[] e = eager.get(k).toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                diff = Math.max(diff, Math.abs(v[i] - e[i]));
            }
            System.out.printf("output %s: %s %s, first values %s; eager and compiled differ by at most %.2e%n", model.outputNames().get(k),
                    outputs.get(k).dtype(), outputs.get(k).shape(), Arrays.toString(Arrays.copyOf(v, Math.min(4, v.length))), diff);
        }
        System.out.printf("eager %.1f ms, compiled (first call, includes the compile) %.1f ms%n", eagerNs / 1e6, compiledNs / 1e6);
    }
}
