package dev.kiln.samples;

import dev.kiln.Inference;
import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.Adam;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A model behind HTTP, as a Java service would embed Kiln: an MLP 1→64→64→1 (tanh) fitted to sin(x)
 * on [−π, π] — trained here if {@code --model} names no existing file, and saved there as
 * safetensors; loaded otherwise — compiled for inference and served by {@link PredictServer}.
 * <pre>
 * ./kiln sample serve [--port 8080] [--model PATH] [--threads 16]
 * ./kiln sample serve --self-test N      (port 0, N requests from 16 client threads, checked)
 * </pre>
 * SIGINT or SIGTERM stops it gracefully: requests in flight finish.
 */
public final class ServeSample {
    private ServeSample() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        int port = 8080;
        int threads = 16;
        Path modelPath = null;
        int selfTest = -1;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(require(value, "--port"));
                case "--threads" -> threads = Integer.parseInt(require(value, "--threads"));
                case "--model" -> modelPath = Path.of(require(value, "--model"));
                case "--self-test" -> {
                    selfTest = Integer.parseInt(require(value, "--self-test"));
                    port = 0;
                }
                default -> {
                    System.err.println("serve: unknown argument " + args[i]
                            + "; usage: serve [--port P] [--model PATH] [--threads T] [--self-test N]");
                    System.exit(2);
                }
            }
            i++;
        }
        try {
            Sequential model = modelPath == null ? train(out) : loadOrTrain(modelPath, out);
            Inference inference = inference(model);
            PredictServer server = new PredictServer(inference, port, threads);
            out.println("serving on http://127.0.0.1:" + server.port() + " (POST /predict, GET /health), " + threads
                    + " request threads, batch buckets " + inference.batchSizes());
            if (selfTest >= 0) {
                ServeSelfTest.Report r = ServeSelfTest.run(server.port(), inference, selfTest, 16, 42);
                server.close();
                out.println(r);
                System.exit(r.ok() ? 0 : 1);
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close(); // requests in flight finish first
                System.out.println("stopped after " + server.served() + " answers and " + server.refused() + " refusals");
                stopped.countDown();
            }));
            stopped.await();
        } catch (IOException | InterruptedException e) {
            System.err.println("serve: " + e);
            System.exit(1);
        }
    }

    private static String require(String value, String flag) {
        if (value == null) {
            System.err.println("serve: " + flag + " needs a value");
            System.exit(2);
        }
        return value;
    }

    /** The MLP, with its initial weights from the seeded generator. */
    public static Sequential mlp() {
        Kiln.manualSeed(2026);
        return new Sequential(new Linear(1, 64), new Tanh(), new Linear(64, 64), new Tanh(), new Linear(64, 1));
    }

    /** The MLP fitted to sin(x) on 256 points of [−π, π]: 1500 compiled Adam steps. */
    static Sequential train(PrintStream out) {
        Sequential model = mlp();
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 256).unsqueeze(1);
        Tensor y = x.sin();
        Adam opt = new Adam(model.parameters(), Adam.Options.lr(1e-2));
        MSELoss loss = new MSELoss();
        Step step = Kiln.compile(in -> {
            opt.zeroGrad();
            Tensor l = loss.forward(model.forward(x), y);
            l.backward();
            opt.step();
            return l;
        });
        double last = 0;
        for (int t = 0; t < 1500; t++) {
            last = step.apply().item();
        }
        out.println("trained: MSE " + Py.str(last) + " after 1500 Adam steps");
        return model;
    }

    static Sequential loadOrTrain(Path path, PrintStream out) {
        if (Files.exists(path)) {
            Sequential model = mlp();
            model.load(path);
            out.println("loaded " + path);
            return model;
        }
        Sequential model = train(out);
        model.save(path);
        out.println("saved " + path);
        return model;
    }

    /** The model in eval mode, compiled for batches of 1 to 64 rows (buckets 1, 2, 4, ... 64), warmed a little. */
    public static Inference inference(Sequential model) {
        model.eval();
        return Inference.of(model::forward).rowShape(1).maxBatch(PredictServer.MAX_ROWS).warmUp(200).build();
    }
}
