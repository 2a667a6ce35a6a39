package dev.kiln.cpu.viz;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kiln.VizServer;
import dev.kiln.internal.VizData;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * {@code Kiln.serveViz}: the viewer's page over the JDK's HTTP server on the loopback address only.
 * {@code /} is the page (rendered once per plan version: laying graphs out takes a while), with a
 * live tab whose script polls {@code /metrics} every second and draws the loss and step-time curves.
 */
final class LiveServer implements VizServer {
    private final HttpServer server;
    private final URI uri;
    private long renderedVersion = -1;
    private String rendered;

    private LiveServer(HttpServer server) {
        this.server = server;
        this.uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    static LiveServer start(VizPage pages, String title, Supplier<VizData> data, LongSupplier version, Supplier<String> metrics, int port)
            throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        LiveServer live = new LiveServer(http);
        http.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/") || path.equals("/index.html")) {
                send(exchange, 200, "text/html; charset=utf-8", live.page(pages, title, data, version));
            } else if (path.equals("/metrics")) {
                send(exchange, 200, "application/json", "{\"version\":" + version.getAsLong() + "," + metrics.get().substring(1));
            } else {
                send(exchange, 404, "text/plain; charset=utf-8", "not found: " + path + " (the page is /, its data /metrics)\n");
            }
        });
        // one non-daemon thread: a program that ends its training keeps serving until the server is closed
        http.setExecutor(Executors.newSingleThreadExecutor(r -> new Thread(r, "kiln-viz-server")));
        http.start();
        return live;
    }

    private synchronized String page(VizPage pages, String title, Supplier<VizData> data, LongSupplier version) {
        long v = version.getAsLong();
        if (rendered == null || v != renderedVersion) {
            VizData d = data.get();
            String script = LIVE_SCRIPT.replace("$VERSION", Long.toString(d == null ? -1 : v));
            rendered = pages.html(d, "<button class=\"tab\" data-view=\"live\">live</button>\n",
                    LIVE_SECTION.replace("$TITLE", VizPage.esc(title)), script);
            renderedVersion = d == null ? -1 : v;
        }
        return rendered;
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdown();
    }

    private static final String LIVE_SECTION = """
            <section id="live" class="view">
            <h2>live: $TITLE</h2>
            <p class="note" id="live-note">waiting for the first call…</p>
            <div style="display:flex;flex-wrap:wrap;gap:16px">
            <figure><figcaption id="loss-caption">loss</figcaption><svg id="loss-chart" width="640" height="260"></svg></figure>
            <figure><figcaption id="time-caption">time per call (ms)</figcaption><svg id="time-chart" width="640" height="260"></svg></figure>
            </div>
            <h3>plan caches</h3><table id="cache"></table>
            </section>
            """;

    private static final String LIVE_SCRIPT = """
            <script>
            "use strict";
            (() => {
              const version = $VERSION, ns = "http://www.w3.org/2000/svg";
              function text(svg, x, y, s, anchor) {
                const t = document.createElementNS(ns, "text");
                t.setAttribute("x", x); t.setAttribute("y", y); t.setAttribute("font-size", "11");
                t.setAttribute("text-anchor", anchor); t.textContent = s; svg.appendChild(t);
              }
              // a polyline of [x, y] points; a log scale where y spans more than two decades
              function chart(svg, pts, logOk) {
                svg.replaceChildren();
                pts = pts.filter(p => p[1] !== null && isFinite(p[1]));
                if (pts.length === 0) { return false; }
                const ys = pts.map(p => p[1]);
                let lo = Math.min(...ys), hi = Math.max(...ys);
                const log = logOk && lo > 0 && hi / lo > 100;
                const f = log ? Math.log10 : (y => y);
                let y0 = f(lo), y1 = f(hi); if (y1 === y0) { y1 = y0 + 1; }
                let x0 = pts[0][0], x1 = pts[pts.length - 1][0]; if (x1 === x0) { x1 = x0 + 1; }
                const W = 640, H = 260, L = 64, B = 22;
                const sx = x => L + (x - x0) / (x1 - x0) * (W - L - 10), sy = y => 8 + (1 - (f(y) - y0) / (y1 - y0)) * (H - B - 16);
                const axis = document.createElementNS(ns, "polyline");
                axis.setAttribute("points", `${L},8 ${L},${H - B} ${W - 10},${H - B}`);
                axis.setAttribute("fill", "none"); axis.setAttribute("stroke", "#888"); svg.appendChild(axis);
                const line = document.createElementNS(ns, "polyline");
                line.setAttribute("points", pts.map(p => sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1)).join(" "));
                line.setAttribute("fill", "none"); line.setAttribute("stroke", "#d9480f"); line.setAttribute("stroke-width", "1.5");
                svg.appendChild(line);
                text(svg, L - 4, 14, hi.toPrecision(4), "end"); text(svg, L - 4, H - B, lo.toPrecision(4), "end");
                text(svg, L, H - 6, "call " + pts[0][0], "start"); text(svg, W - 10, H - 6, "call " + pts[pts.length - 1][0], "end");
                return log;
              }
              async function poll() {
                let m;
                try {
                  m = await (await fetch("metrics", { cache: "no-store" })).json();
                } catch (e) {
                  document.getElementById("live-note").textContent = "the server has stopped; the last numbers stay";
                  return;
                }
                if (m.version !== version) { location.reload(); return; }
                const last = m.points.length ? m.points[m.points.length - 1] : null;
                const times = m.points.map(p => p[2]).sort((a, b) => a - b);
                document.getElementById("live-note").textContent = m.calls === 0 ? "no call logged yet"
                  : m.calls + " calls; last loss " + (last[1] === null ? "-" : last[1].toPrecision(6))
                    + "; median time per call " + times[times.length >> 1].toFixed(3) + " ms";
                const log = chart(document.getElementById("loss-chart"), m.points.map(p => [p[0], p[1]]), true);
                document.getElementById("loss-caption").textContent = log ? "loss (log scale)" : "loss";
                const timeLog = chart(document.getElementById("time-chart"), m.points.map(p => [p[0], p[2]]), true);
                document.getElementById("time-caption").textContent = "time per call (ms" + (timeLog ? ", log scale)" : ")");
                document.getElementById("cache").innerHTML = Object.entries(m.stats)
                  .map(([k, v]) => `<tr><th style="text-align:left">${k}</th><td>${v}</td></tr>`).join("");
                setTimeout(poll, 1000);
              }
              poll();
            })();
            </script>
            """;
}
