package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.SGD;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Kiln.viz's page: its content, and in headless Chromium (where installed) that it renders, opens a kernel on click, and logs no errors. */
class VizTest {
    private static final Path OUT = Path.of("target", "viz");

    static CompiledFunction trainedOnce() {
        Kiln.manualSeed(3);
        Sequential model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 1));
        SGD optimizer = new SGD(model.parameters(), SGD.Options.lr(0.1));
        MSELoss loss = new MSELoss();
        CompiledFunction step = Kiln.compile(in -> {
            optimizer.zeroGrad();
            Tensor l = loss.forward(model.forward(in[0]), in[1]);
            l.backward();
            optimizer.step();
            return l;
        });
        step.apply(Tensor.randn(16, 4), Tensor.randn(16, 1));
        return step;
    }

    @Test
    void thePageHoldsEveryGraphAndEachKernelsCode() throws Exception {
        Path page = Kiln.viz(trainedOnce(), OUT.resolve("mlp-step.html"));
        String html = Files.readString(page);
        for (String part : List.of("traced graph", "after simplify", "after dead-code", "fused plan", "made by autodiff", "data-kernel=\"0\"")) {
            assertTrue(html.contains(part), part);
        }
        assertTrue(html.contains("== JVM bytecode") && html.contains("ALOAD"), "kernels' bytecode as text");
        assertTrue(html.contains("0.weight float32[8, 4]") && html.contains("optimizer.param_groups.0.lr float64[]"),
                "captured inputs are named by their place");
        assertTrue(!html.contains("src=\"http") && !html.contains("href=\"http"), "no network resources");
        if (Files.isExecutable(Path.of("/usr/bin/dot"))) {
            assertTrue(html.contains("<svg") && html.contains("Layout: Graphviz dot"), "dot's SVG embedded");
            assertTrue(html.contains("id=\"kernel_0\""), "the plan's kernels are clusters of the SVG");
        } else {
            assertTrue(html.contains("download the DOT text") && html.contains("is not installed"));
        }
    }

    @Test
    void beforeTheFirstCallThereIsNothingToDraw() {
        CompiledFunction f = Kiln.compile(in -> in[0].mul(2.0));
        KilnException e = assertThrows(KilnException.class, () -> Kiln.viz(f, OUT.resolve("never.html")));
        assertTrue(e.getMessage().contains("has not been called yet"), e.getMessage());
    }

    /** Headless Chromium opens a copy of the page with a probe script, which clicks the first kernel and reports. */
    @Test
    void chromiumRendersThePageAndOpensAKernel() throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        assumeTrue(Files.isExecutable(chromium), "skipped: Chromium is not installed (apt-get install --no-install-recommends chromium)");
        Path page = Kiln.viz(trainedOnce(), OUT.resolve("browser.html"));
        String probe = """
                <script>
                window.__errors = [];
                window.addEventListener("error", e => window.__errors.push(String(e.message)));
                const __err = console.error; console.error = (...a) => { window.__errors.push(a.join(" ")); __err(...a); };
                window.addEventListener("load", () => {
                  const svg = document.querySelector("#plan svg");
                  const box = svg ? svg.getBBox() : null;
                  const cluster = document.querySelector("g.cluster[id^='kernel_']");
                  if (cluster) cluster.dispatchEvent(new MouseEvent("click", {bubbles: true}));
                  const panel = document.getElementById("panel");
                  const out = document.createElement("pre");
                  out.id = "probe";
                  out.textContent = "svg=" + (box !== null && box.width > 0 && box.height > 0) + " cluster=" + (cluster !== null)
                      + " panel=" + panel.classList.contains("open") + " code=" + document.getElementById("code").textContent.startsWith("== ")
                      + " errors=" + window.__errors.length + " " + window.__errors.join(" | ");
                  document.body.appendChild(out);
                });
                </script>
                """;
        Path probed = OUT.resolve("browser-probe.html");
        Files.writeString(probed, Files.readString(page).replace("<head>", "<head>" + probe));
        String dom = run(chromium, "--dump-dom", probed.toUri().toString());
        int at = dom.indexOf("<pre id=\"probe\">");
        assertTrue(at >= 0, dom.length() > 2000 ? dom.substring(dom.length() - 2000) : dom);
        String report = dom.substring(at + 16, dom.indexOf("</pre>", at));
        assertEquals("svg=true cluster=true panel=true code=true errors=0 ", report);
        Path shot = OUT.resolve("viz-screenshot.png").toAbsolutePath();
        run(chromium, "--screenshot=" + shot, "--window-size=1400,900", page.toUri() + "#plan");
        assertTrue(Files.size(shot) > 10_000, "screenshot " + shot);
    }

    private static String run(Path chromium, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--allow-file-access-from-files", "--virtual-time-budget=3000"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium finished");
        return out;
    }
}
