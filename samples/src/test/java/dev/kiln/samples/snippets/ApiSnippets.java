package dev.kiln.samples.snippets;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.io.tensorboard.SummaryWriter;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.onnx.Onnx;
import dev.kiln.onnx.OnnxModule;
import dev.kiln.optim.Adam;
import dev.kiln.optim.SGD;
import dev.kiln.testing.GradCheck;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The examples of the API docs: each {@code @start region} here is shown by a {@code {@snippet file="ApiSnippets.java"}}
 * tag of the user API's Javadoc (the build's javadoc reads this directory as its snippet path), so every
 * example compiles, and {@code ApiSnippetsTest} runs each one and checks what it computes.
 */
final class ApiSnippets {
    private ApiSnippets() {
    }

    /** Tensor's class doc. */
    static Tensor autograd() {
        // @start region="autograd"
        Tensor a = Tensor.of(2.0, 3.0).requiresGrad_(true);
        Tensor loss = a.pow(2).sum();   // 2² + 3² = 13
        loss.backward();
        Tensor grad = a.grad();         // d loss / d a = 2a = [4, 6]
        // @end
        return grad;
    }

    /** Module's class doc. */
    // @start region="module"
    static final class Net extends Module {
        final Linear fc1 = module("fc1", new Linear(4, 16));
        final Linear fc2 = module("fc2", new Linear(16, 3));

        @Override
        public Tensor forward(Tensor x) {
            return fc2.forward(fc1.forward(x).relu());
        }
    }
    // @end

    /** Kiln.compile's doc: a whole training step traced once and replayed; returns the losses. */
    static List<Double> compile() {
        Kiln.manualSeed(0);
        // @start region="compile"
        Linear model = new Linear(3, 1);
        SGD optimizer = new SGD(model.parameters(), SGD.Options.lr(0.1));
        CompiledFunction step = Kiln.compile(in -> {   // traced on the first call, then replayed as fused kernels
            optimizer.zeroGrad();
            Tensor loss = model.forward(in[0]).sub(in[1]).pow(2).mean();
            loss.backward();
            optimizer.step();
            return loss;
        });
        Tensor x = Tensor.randn(64, 3);
        Tensor y = x.sum(1, true);                     // learn y = x0 + x1 + x2
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            losses.add(step.call(x, y).item());
        }
        // @end
        return losses;
    }

    /** Optimizer's class doc: the eager loop; returns the first and last loss. */
    static double[] optimizer() {
        Kiln.manualSeed(1);
        Tensor x = Tensor.randn(32, 4);
        Tensor target = x.matmul(Tensor.randn(4, 3));
        // @start region="optimizer"
        Net model = new Net();
        Adam optimizer = new Adam(model.parameters(), Adam.Options.lr(1e-2));
        double[] losses = new double[200];
        for (int epoch = 0; epoch < 200; epoch++) {
            optimizer.zeroGrad();                      // clear the gradients of the last step
            Tensor loss = model.forward(x).sub(target).pow(2).mean();
            loss.backward();                           // fill each parameter's grad()
            optimizer.step();                          // update the parameters from their gradients
            losses[epoch] = loss.item();
        }
        // @end
        return new double[] {losses[0], losses[199]};
    }

    /** GradCheck's class doc. */
    static GradCheck.Result gradCheck() {
        // @start region="gradcheck"
        Tensor x = Tensor.randn(Shape.of(5), DType.FLOAT64, new Generator(0)).requiresGrad_(true);
        GradCheck.Result r = GradCheck.check(in -> in.get(0).tanh().mul(in.get(0)).sum(), x);
        r.assertPassed();                              // throws AssertionError naming the worst element
        // @end
        return r;
    }

    /** DataLoader's class doc: returns the batch sizes of one epoch. */
    static List<Integer> dataLoader() {
        Tensor features = Tensor.randn(100, 8);
        Tensor labels = Tensor.arange(100);
        // @start region="dataloader"
        DataLoader loader = DataLoader.of(new TensorDataset(features, labels))
                .batchSize(32)
                .shuffle(new Generator(42))
                .build();
        List<Integer> sizes = new ArrayList<>();
        for (List<Tensor> batch : loader) {            // [features (32, 8), labels (32)]; the last batch has 4 rows
            sizes.add(batch.get(0).shape().dim(0));
        }
        // @end
        return sizes;
    }

    /** SummaryWriter's class doc. */
    static void summaryWriter(Path logDir) {
        // @start region="summary-writer"
        try (SummaryWriter writer = new SummaryWriter(logDir)) {   // tensorboard --logdir shows the run
            for (int step = 0; step < 3; step++) {
                writer.addScalar("loss", 1.0 / (step + 1), step);
            }
        }
        // @end
    }

    /** Onnx's class doc: exports a model and loads it back; returns both outputs. */
    static Tensor[] onnx(Path file) {
        Kiln.manualSeed(2);
        Tensor x = Tensor.randn(2, 4);
        // @start region="onnx"
        Net model = new Net();
        Onnx.export(model, Tensor.randn(1, 4), file, true);   // opset 17, the batch axis dynamic
        OnnxModule loaded = Onnx.load(file);             // a Kiln module: runs eagerly or compiled, and trains
        Tensor y = loaded.forward(x);
        // @end
        return new Tensor[] {model.forward(x), y};
    }
}
