package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.VizServer;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.SGD;
import java.net.ConnectException;
import java.net.URI;
import java.net.HttpURLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Kiln.serveViz: the live page and its metrics over HTTP, and in headless Chromium (where installed) the drawn curves. */
class LiveVizTest {
    private static CompiledFunction step() {
        Kiln.manualSeed(5);
        Sequential model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 1));
        SGD optimizer = new SGD(model.parameters(), SGD.Options.lr(0.05));
        MSELoss loss = new MSELoss();
        return Kiln.compile(in -> {
            optimizer.zeroGrad();
            Tensor l = loss.forward(model.forward(in[0]), in[1]);
            l.backward();
            optimizer.step();
            return l;
        });
    }

    private record Response(int statusCode, String body) {
    }

    private static Response get(URI uri) throws Exception {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        try {
            int status = c.getResponseCode();
            var in = status < 400 ? c.getInputStream() : c.getErrorStream();
            return new Response(status, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } finally {
            c.disconnect();
        }
    }

    @Test
    void metricsFollowEveryCallAndThePageShowsTheGraphsOnceCalled() throws Exception {
        CompiledFunction step = step();
        try (VizServer server = Kiln.serveViz(step, 0)) {
            assertEquals("127.0.0.1", server.uri().getHost());
            String before = get(server.uri()).body();
            assertTrue(before.contains("waiting for the first call") && !before.contains("fused plan"), "before any call");
            assertTrue(get(server.uri().resolve("metrics")).body().startsWith("{\"version\":-1,\"calls\":0,\"points\":[]"));

            Tensor x = Tensor.randn(16, 4);
            Tensor y = Tensor.randn(16, 1);
            List<Double> losses = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                losses.add(step.apply(x, y).item());
            }
            String metrics = get(server.uri().resolve("metrics")).body();
            assertTrue(metrics.contains("\"calls\":5,"), metrics);
            assertTrue(metrics.contains("\"stats\":{\"hits\":4,\"misses\":1,\"compiles\":1,"), metrics);
            Matcher m = Pattern.compile("\\[(\\d+),([^,\\]]+),([0-9.]+)\\]").matcher(metrics);
            List<Double> served = new ArrayList<>();
            while (m.find()) {
                assertEquals(served.size() + 1, Integer.parseInt(m.group(1)), "call numbers");
                served.add(Double.parseDouble(m.group(2)));
                assertTrue(Double.parseDouble(m.group(3)) > 0, "a call takes time");
            }
            assertEquals(losses, served, "the losses the calls returned");
            assertTrue(losses.get(4) < losses.get(0), "training on one batch lowers its loss");

            String page = get(server.uri()).body();
            for (String part : List.of("fused plan", "traced graph", "data-view=\"live\"", "loss-chart", "0.weight float32[8, 4]")) {
                assertTrue(page.contains(part), part);
            }
            assertEquals(404, get(server.uri().resolve("nothing-here")).statusCode());
        }
    }

    @Test
    void aClosedServerStopsAndABadPortIsNamed() throws Exception {
        CompiledFunction step = step();
        VizServer server = Kiln.serveViz(step, 0);
        URI uri = server.uri();
        server.close();
        assertThrows(ConnectException.class, () -> get(uri));
        KilnException e = assertThrows(KilnException.class, () -> Kiln.serveViz(step, 70000));
        assertTrue(e.getMessage().contains("port 70000 is not a TCP port") && e.getMessage().contains("LiveVizTest.java"), e.getMessage());
        try (VizServer taken = Kiln.serveViz(step, 0)) {
            KilnException busy = assertThrows(KilnException.class, () -> Kiln.serveViz(step, taken.uri().getPort()));
            assertTrue(busy.getMessage().contains("cannot serve on 127.0.0.1:" + taken.uri().getPort()), busy.getMessage());
        }
    }

    /** Chromium loads the served page on its live tab: the script fetched the metrics and drew both curves, with no error. */
    @Test
    void chromiumDrawsTheLiveCurves() throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        assumeTrue(Files.isExecutable(chromium), "skipped: Chromium is not installed (apt-get install --no-install-recommends chromium)");
        CompiledFunction step = step();
        Tensor x = Tensor.randn(16, 4);
        Tensor y = Tensor.randn(16, 1);
        try (VizServer server = Kiln.serveViz(step, 0)) {
            for (int i = 0; i < 50; i++) {
                step.apply(x, y);
            }
            String dom = chromium(chromium, "--dump-dom", server.uri() + "#live");
            int chart = dom.indexOf("id=\"loss-chart\"");
            assertTrue(chart >= 0 && dom.indexOf("<polyline", chart) >= 0, "the loss curve is drawn");
            assertTrue(dom.contains("50 calls; last loss"), "the note counts the calls");
            assertTrue(dom.contains("<th style=\"text-align:left\">hits</th><td>49</td>"), "the cache table");
            Path shot = Path.of("target", "viz", "live-screenshot.png").toAbsolutePath();
            Files.createDirectories(shot.getParent());
            chromium(chromium, "--screenshot=" + shot, "--window-size=1400,900", server.uri() + "#live");
            assertTrue(Files.size(shot) > 10_000, "screenshot " + shot);
        }
    }

    private static String chromium(Path chromium, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--virtual-time-budget=3000"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium finished");
        return out;
    }
}
