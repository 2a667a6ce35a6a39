package dev.kiln.samples;

import dev.kiln.Inference;
import dev.kiln.Tensor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Load on a running {@link PredictServer}: requests of random batch sizes from several client
 * threads, every answer checked bit for bit against the same compiled forward run on one thread
 * beforehand, then every kind of bad request (each must get a 400, and the server must go on
 * serving). Used by {@code serve --self-test N} and by the samples' load test.
 */
public final class ServeSelfTest {
    private ServeSelfTest() {
    }

    /** What a run saw. Latencies are per request, client side, in milliseconds. */
    public record Report(int requests, int clients, int wrong, int errors, int retried, int badCases, List<String> badFailures,
            double seconds, double p50, double p99) {
        public boolean ok() {
            return wrong == 0 && errors == 0 && badFailures.isEmpty();
        }

        public double perSecond() {
            return requests / seconds;
        }

        @Override
        public String toString() {
            return String.format("self-test: %d requests from %d client threads: %d wrong, %d errors (%d sent again after the"
                    + " server closed a kept-alive connection under them); %.0f requests/s; latency p50 %.3f ms, p99 %.3f ms;"
                    + " %d bad requests, %s%n%s", requests, clients, wrong, errors, retried, perSecond(),
                    p50, p99, badCases, badFailures.isEmpty() ? "each refused with 400, and serving went on"
                            : badFailures.size() + " not refused as they should be: " + badFailures, ok() ? "PASS" : "FAIL");
        }
    }

    /** {@code requests} checked requests over {@code clients} threads, then the bad ones. */
    public static Report run(int port, Inference model, int requests, int clients, long seed) throws InterruptedException {
        URI predict = URI.create("http://127.0.0.1:" + port + "/predict");
        Random r = new Random(seed);
        byte[][] bodies = new byte[requests][];
        float[][] expected = new float[requests][];
        for (int i = 0; i < requests; i++) {
            int n = 1 + r.nextInt(PredictServer.MAX_ROWS);
            float[] x = new float[n];
            StringBuilder sb = new StringBuilder("{\"x\":[");
            for (int k = 0; k < n; k++) {
                x[k] = (float) ((r.nextDouble() * 2 - 1) * Math.PI);
                sb.append(k == 0 ? "[" : ",[").append(x[k]).append(']');
            }
            bodies[i] = sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            // the same compiled forward, on this one thread, on the same rows
            expected[i] = model.run(Tensor.of(x).reshape(n, 1)).toFloatArray();
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger retried = new AtomicInteger();
        long[] latency = new long[requests];
        List<String> errorSamples = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread[] threads = new Thread[clients];
        long start = System.nanoTime();
        for (int t = 0; t < clients; t++) {
            threads[t] = Thread.ofPlatform().name("serve-client-" + t).start(() -> {
                for (int i; (i = next.getAndIncrement()) < requests; ) {
                    long t0 = System.nanoTime();
                    try {
                        HttpRequest request = HttpRequest.newBuilder(predict).timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[i])).build();
                        HttpResponse<byte[]> res;
                        try {
                            res = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        } catch (java.io.IOException e) {
                            // A kept-alive connection closed by the server as this request went out gets no
                            // byte back; a prediction is safe to send again, once (as the JDK client retries
                            // GETs itself, and -Djdk.httpclient.enableAllMethodRetry would for all methods).
                            if (!String.valueOf(e.getMessage()).contains("received no bytes")) {
                                throw e;
                            }
                            retried.incrementAndGet();
                            res = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        }
                        latency[i] = System.nanoTime() - t0;
                        if (res.statusCode() != 200) {
                            errors.incrementAndGet();
                            errorSamples.add(res.statusCode() + " " + new String(res.body(), StandardCharsets.UTF_8));
                        } else if (!Arrays.equals(bitsOf(expected[i]), bitsOf(answer(res.body())))) {
                            wrong.incrementAndGet();
                        }
                    } catch (Exception e) {
                        latency[i] = System.nanoTime() - t0;
                        errors.incrementAndGet();
                        errorSamples.add(e.toString());
                    }
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] sorted = latency.clone();
        Arrays.sort(sorted);
        double p50 = requests == 0 ? 0 : sorted[(int) Math.min(requests - 1, Math.round(0.50 * (requests - 1)))] / 1e6;
        double p99 = requests == 0 ? 0 : sorted[(int) Math.min(requests - 1, Math.round(0.99 * (requests - 1)))] / 1e6;
        List<String> badFailures = badRequests(client, port);
        if (!errorSamples.isEmpty()) {
            System.err.println("first errors: " + errorSamples.subList(0, Math.min(3, errorSamples.size())));
        }
        return new Report(requests, clients, wrong.get(), errors.get(), retried.get(), BAD.size() + 2, badFailures, seconds, p50, p99);
    }

    /** Bad requests, by what is wrong with them: each must be answered 400. */
    static final Map<String, String> BAD = new LinkedHashMap<>();

    static {
        BAD.put("malformed JSON", "{\"x\": [[1.0]");
        BAD.put("not JSON at all", "x=1");
        BAD.put("an empty body", "");
        BAD.put("a body over 1 MiB", "{\"x\": [[1.0]], \"pad\": \"" + "a".repeat(PredictServer.MAX_BODY) + "\"}");
        BAD.put("not an object", "[[1.0]]");
        BAD.put("no x", "{}");
        BAD.put("an unknown field", "{\"x\": [[1.0]], \"y\": 2}");
        BAD.put("x twice", "{\"x\": [[1.0]], \"x\": [[2.0]]}");
        BAD.put("text after the object", "{\"x\": [[1.0]]} {}");
        BAD.put("x not an array", "{\"x\": 1.0}");
        BAD.put("rows not arrays", "{\"x\": [1.0, 2.0]}");
        BAD.put("nested too deep", "{\"x\": [[[1.0]]]}");
        BAD.put("a row of two", "{\"x\": [[1.0, 2.0]]}");
        BAD.put("an empty row", "{\"x\": [[]]}");
        BAD.put("no rows", "{\"x\": []}");
        BAD.put("65 rows", "{\"x\": [" + "[0.5],".repeat(64) + "[0.5]]}");
        BAD.put("a string", "{\"x\": [[\"1.0\"]]}");
        BAD.put("null", "{\"x\": [[null]]}");
        BAD.put("a boolean", "{\"x\": [[true]]}");
        BAD.put("NaN", "{\"x\": [[NaN]]}");
        BAD.put("Infinity", "{\"x\": [[Infinity]]}");
        BAD.put("-Infinity", "{\"x\": [[-Infinity]]}");
        BAD.put("beyond float32", "{\"x\": [[1e39]]}");
        BAD.put("beyond float64", "{\"x\": [[1e999]]}");
    }

    /** Sends every bad request (and a GET to /predict); returns those not answered as they should be. */
    static List<String> badRequests(HttpClient client, int port) throws InterruptedException {
        URI predict = URI.create("http://127.0.0.1:" + port + "/predict");
        List<String> failures = new ArrayList<>();
        for (var e : BAD.entrySet()) {
            int status = status(client, HttpRequest.newBuilder(predict).POST(HttpRequest.BodyPublishers.ofString(e.getValue())).build());
            if (status != 400) {
                failures.add(e.getKey() + " → " + status);
            }
        }
        if (status(client, HttpRequest.newBuilder(predict).GET().build()) != 405) {
            failures.add("GET /predict → not 405");
        }
        // and still serving
        if (status(client, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).GET().build()) != 200) {
            failures.add("GET /health after the bad requests → not 200");
        }
        return failures;
    }

    private static int status(HttpClient client, HttpRequest request) throws InterruptedException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static final JsonFactory JSON = new JsonFactory();

    /** The floats of {@code {"y": [...]}}, each read from its text. */
    static float[] answer(byte[] body) {
        List<Float> ys = new ArrayList<>();
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), body)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
                    ys.add(Float.parseFloat(p.getString()));
                }
            }
        }
        float[] out = new float[ys.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ys.get(i);
        }
        return out;
    }

    private static int[] bitsOf(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }
}
