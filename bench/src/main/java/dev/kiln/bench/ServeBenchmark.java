package dev.kiln.bench;

import dev.kiln.Inference;
import dev.kiln.Tensor;
import dev.kiln.samples.PredictServer;
import dev.kiln.samples.ServeSample;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The serve sample's throughput and latency (plain Java: JMH does not drive HTTP clients well):
 * requests per second and p50/p99 client-side latency at 1, 4 and 16 client threads, batches of 1
 * and 64 rows, over loopback against the server's 16 request threads; and, beside them, one
 * in-process call of the same compiled forward, to show what HTTP costs. Each configuration runs
 * {@code WARM} seconds unmeasured, then {@code MEASURE} seconds measured.
 * <pre>
 * J=$(./kiln --print-java); $J --add-modules jdk.incubator.vector -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.kiln.bench.ServeBenchmark
 * </pre>
 */
public final class ServeBenchmark {
    static final int WARM = Integer.getInteger("warm", 4);
    static final int MEASURE = Integer.getInteger("measure", 8);

    public static void main(String[] args) throws Exception {
        Inference model = ServeSample.inference(ServeSample.mlp());
        System.out.printf("%d cores; %d s warm-up and %d s measured per row%n", Runtime.getRuntime().availableProcessors(), WARM, MEASURE);
        System.out.println("| batch | in-process Inference.run, median | p99 |");
        System.out.println("|---|---|---|");
        for (int batch : new int[] {1, 64}) {
            long[] t = inProcess(model, batch);
            System.out.printf("| %d | %.1f µs | %.1f µs |%n", batch, t[0] / 1e3, t[1] / 1e3);
        }
        System.out.println();
        System.out.println("| clients | batch | requests/s | rows/s | p50 | p99 |");
        System.out.println("|---|---|---|---|---|---|");
        try (PredictServer server = new PredictServer(model, 0, 16)) {
            for (int batch : new int[] {1, 64}) {
                for (int clients : new int[] {1, 4, 16}) {
                    double[] r = http(server.port(), batch, clients);
                    System.out.printf("| %d | %d | %.0f | %.0f | %.3f ms | %.3f ms |%n", clients, batch, r[0], r[0] * batch, r[1], r[2]);
                }
            }
        }
    }

    /** Median and p99 of single calls, in ns, after a warm-up. */
    static long[] inProcess(Inference model, int batch) {
        Tensor x = rows(new Random(1), batch);
        long until = System.nanoTime() + WARM * 1_000_000_000L;
        while (System.nanoTime() < until) {
            model.run(x);
        }
        long[] times = new long[200_000];
        int n = 0;
        until = System.nanoTime() + MEASURE * 1_000_000_000L;
        while (n < times.length && System.nanoTime() < until) {
            long t0 = System.nanoTime();
            model.run(x);
            times[n++] = System.nanoTime() - t0;
        }
        long[] s = Arrays.copyOf(times, n);
        Arrays.sort(s);
        return new long[] {s[n / 2], s[(int) (n * 0.99)]};
    }

    /** Requests per second, p50 and p99 in ms, for {@code clients} threads each sending batches of {@code batch} rows. */
    static double[] http(int port, int batch, int clients) throws Exception {
        URI predict = URI.create("http://127.0.0.1:" + port + "/predict");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        StringBuilder sb = new StringBuilder("{\"x\":[");
        Random r = new Random(batch);
        for (int k = 0; k < batch; k++) {
            sb.append(k == 0 ? "[" : ",[").append((float) ((r.nextDouble() * 2 - 1) * Math.PI)).append(']');
        }
        byte[] body = sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(predict).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(Duration.ofSeconds(30)).build();
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        long[][] lat = new long[clients][1 << 20];
        int[] count = new int[clients];
        Thread[] threads = new Thread[clients];
        for (int t = 0; t < clients; t++) {
            int me = t;
            threads[t] = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<byte[]> res = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        if (res.statusCode() != 200) {
                            throw new IllegalStateException("status " + res.statusCode());
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    if (measuring.get() && count[me] < lat[me].length) {
                        lat[me][count[me]++] = System.nanoTime() - t0;
                    }
                }
            });
        }
        Thread.sleep(WARM * 1000L);
        measuring.set(true);
        long start = System.nanoTime();
        Thread.sleep(MEASURE * 1000L);
        measuring.set(false);
        double seconds = (System.nanoTime() - start) / 1e9;
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        int total = Arrays.stream(count).sum();
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < clients; t++) {
            System.arraycopy(lat[t], 0, all, at, count[t]);
            at += count[t];
        }
        Arrays.sort(all);
        return new double[] {total / seconds, all[total / 2] / 1e6, all[(int) (total * 0.99)] / 1e6};
    }

    static Tensor rows(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * Math.PI);
        }
        return Tensor.of(v).reshape(n, 1);
    }
}
