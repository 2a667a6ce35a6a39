package dev.kiln.samples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kiln.Inference;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;

/**
 * A compiled model behind HTTP, on the JDK's own server ({@code com.sun.net.httpserver}) on
 * 127.0.0.1 with a bounded pool of request threads, all sharing one {@link Inference}:
 * {@code POST /predict} with {@code {"x": [[x1], [x2], ...]}} (1 to {@value #MAX_ROWS} rows)
 * answers {@code {"y": [...]}}; {@code GET /health} answers 200. A bad request gets a 400 with a
 * message saying what is wrong, and the server goes on serving.
 */
public final class PredictServer implements AutoCloseable {
    /** The largest request body read. */
    public static final int MAX_BODY = 1 << 20;
    /** An oversized body is read (and dropped) up to this much, so the client gets its 400 rather than a reset. */
    private static final int DRAIN_LIMIT = 16 << 20;
    /** The most rows in one request. */
    public static final int MAX_ROWS = 64;

    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final Inference model;
    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    /** Starts serving {@code model} on 127.0.0.1:{@code port} (0 picks a free port) with {@code threads} request threads. */
    public PredictServer(Inference model, int port, int threads) throws IOException {
        this.model = model;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        // bounded: at most `threads` requests run at once, a few thousand wait; past that the
        // server's own accepting thread runs the request (it slows down rather than drops)
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4096),
                Thread.ofPlatform().name("kiln-serve-", 0).daemon(true).factory(), new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(pool);
        server.createContext("/predict", this::predict);
        server.createContext("/health", this::health);
        server.start();
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Requests answered with 200 and with 400, so far. */
    public long served() {
        return served.get();
    }

    public long refused() {
        return refused.get();
    }

    /** Stops accepting, lets requests in flight finish (up to 10 s), then stops the threads. */
    @Override
    public void close() {
        server.stop(10);
        pool.shutdown();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void health(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET")) {
                send(ex, 405, error("use GET /health"));
                return;
            }
            send(ex, 200, "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
        }
    }

    private void predict(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("POST")) {
                send(ex, 405, error("use POST /predict with {\"x\": [[x1], [x2], ...]}"));
                return;
            }
            if (!ex.getRequestURI().getPath().equals("/predict")) {
                send(ex, 404, error("no such path: " + ex.getRequestURI().getPath()));
                return;
            }
            byte[] answer;
            try {
                float[] x = parse(body(ex));
                Tensor y = model.run(Tensor.of(x).reshape(x.length, 1));
                answer = answer(y.toFloatArray());
            } catch (BadRequest | KilnException e) {
                refused.incrementAndGet();
                send(ex, 400, error(e.getMessage()));
                return;
            }
            served.incrementAndGet();
            send(ex, 200, answer);
        }
    }

    /** A request that cannot be answered; its message goes back to the client. */
    static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message);
        }
    }

    /** The request body, at most {@value #MAX_BODY} bytes. */
    private static byte[] body(HttpExchange ex) throws IOException, BadRequest {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        long total = 0;
        try (InputStream in = ex.getRequestBody()) {
            for (int r; (r = in.read(buf)) >= 0; ) {
                total += r;
                if (total <= MAX_BODY) {
                    out.write(buf, 0, r);
                } else if (total > DRAIN_LIMIT) {
                    break; // the connection closes after the answer rather than read any more
                }
            }
        }
        if (total > MAX_BODY) {
            throw new BadRequest("the body is over the limit of 1 MiB");
        }
        return out.toByteArray();
    }

    /**
     * The rows of {@code {"x": [[x1], [x2], ...]}}: one object with the one field "x", an array of 1
     * to {@value #MAX_ROWS} rows, each an array of one finite number (within float32's range).
     */
    static float[] parse(byte[] body) throws BadRequest {
        if (body.length == 0) {
            throw new BadRequest("the body is empty; the request is {\"x\": [[x1], [x2], ...]}");
        }
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequest("expected a JSON object {\"x\": [[x1], [x2], ...]}");
            }
            float[] rows = null;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                if (!"x".equals(name)) {
                    throw new BadRequest("unknown field \"" + name + "\"; the request is {\"x\": [[x1], [x2], ...]}");
                }
                p.nextToken();
                rows = rows(p);
            }
            if (p.nextToken() != null) {
                throw new BadRequest("unexpected text after the JSON object");
            }
            if (rows == null) {
                throw new BadRequest("no field \"x\"; the request is {\"x\": [[x1], [x2], ...]}");
            }
            return rows;
        } catch (JacksonException e) {
            String m = e.getOriginalMessage();
            throw new BadRequest(m.contains("'NaN'") || m.contains("Infinity'")
                    ? "x holds NaN or an infinity, which JSON does not allow: send finite numbers"
                    : "malformed JSON: " + m);
        }
    }

    private static float[] rows(JsonParser p) throws BadRequest {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new BadRequest("x must be an array of rows [[x1], [x2], ...], not " + describe(p.currentToken()));
        }
        float[] rows = new float[MAX_ROWS];
        int n = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (n == MAX_ROWS) {
                throw new BadRequest("more than " + MAX_ROWS + " rows");
            }
            if (t != JsonToken.START_ARRAY) {
                throw new BadRequest("x[" + n + "] must be a row [x], not " + describe(t));
            }
            JsonToken v = p.nextToken();
            if (v == JsonToken.END_ARRAY) {
                throw new BadRequest("x[" + n + "] is empty; each row holds one number");
            }
            if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) {
                throw new BadRequest("x[" + n + "][0] is " + describe(v) + ", not a number");
            }
            float f = p.getFloatValue();
            if (!Float.isFinite(f)) {
                throw new BadRequest("x[" + n + "][0] = " + p.getString() + " is outside float32's range");
            }
            if (p.nextToken() != JsonToken.END_ARRAY) {
                throw new BadRequest("x[" + n + "] has more than one number; each row holds one");
            }
            rows[n++] = f;
        }
        if (n == 0) {
            throw new BadRequest("x has no rows; send 1 to " + MAX_ROWS);
        }
        return java.util.Arrays.copyOf(rows, n);
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case null -> "the end of the document";
            case VALUE_STRING -> "a string";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            default -> t.toString();
        };
    }

    /** {@code {"y": [...]}}: each float as the shortest text that reads back to it. */
    static byte[] answer(float[] y) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * y.length + 8);
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeStartObject();
            g.writeName("y");
            g.writeStartArray();
            for (float v : y) {
                g.writeNumber(v);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    static byte[] error(String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeStartObject();
            g.writeStringProperty("error", message);
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }
}
