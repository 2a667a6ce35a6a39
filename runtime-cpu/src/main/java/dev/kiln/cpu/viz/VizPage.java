package dev.kiln.cpu.viz;

import dev.kiln.codegen.jvm.JvmEmitter;
import dev.kiln.codegen.kernel.FusionPlanner;
import dev.kiln.codegen.kernel.Kernel;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.internal.VizData;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Node;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The graph viewer's page ({@code Kiln.viz}): one self-contained HTML file, no network needed — the
 * traced graph, the graph after each pass, and the fused plan with its kernels as clusters whose code
 * opens on a click. Graphs are laid out by Graphviz's {@code dot} and embedded as SVG where it is
 * installed; otherwise the page offers each graph's DOT text and says so.
 */
public final class VizPage implements VizData.Renderer {
    /** One tab of the page: a title, a note, and the graph's DOT text. */
    private record View(String id, String title, String note, String dot) {
    }

    @Override
    public String html(VizData d) {
        return html(d, "", "", "");
    }

    @Override
    public dev.kiln.VizServer serve(String title, java.util.function.Supplier<VizData> data, java.util.function.LongSupplier version,
            java.util.function.Supplier<String> metrics, int port) throws java.io.IOException {
        return LiveServer.start(this, title, data, version, metrics, port);
    }

    /**
     * The page of {@code d} (null: not called yet, only the live tab), with {@code liveTab}, {@code liveSection}
     * and {@code liveScript} added for a served page (all empty for a file).
     */
    String html(VizData d, String liveTab, String liveSection, String liveScript) {
        if (d == null) {
            return PAGE.replace("$TITLE", "waiting for the first call").replace("$LAYOUT", "").replace("$DEVICE", "-")
                    .replace("$TABS", liveTab).replace("$BODY", liveSection).replace("$CODE", "[]").replace("$LIVE", liveScript)
                    .replace("$FIRST", "live");
        }
        List<View> views = new ArrayList<>();
        views.add(new View("traced", "traced graph", d.traced().nodes().size() + " nodes: forward, then backward (orange: made by autodiff)"
                + ", then updates", graphDot(d.traced(), d.gradientRanges(), d.inputNames())));
        for (VizData.PassResult p : d.passes()) {
            String fired = p.fired().isEmpty() ? "" : "; rules fired: " + p.fired().entrySet().stream().map(e -> e.getKey() + " ×" + e.getValue())
                    .collect(Collectors.joining(", "));
            views.add(new View("pass-" + views.size(), "after " + p.pass(), p.after().nodes().size() + " nodes" + fired,
                    graphDot(p.after(), List.of(), d.inputNames())));
        }
        Plan plan = FusionPlanner.plan(d.optimized());
        List<String> code = new ArrayList<>();
        views.add(new View("plan", "fused plan", plan.summary() + "; click a kernel for its code", planDot(plan, code, d.cudaSource())));

        Path dot = Dot.program();
        StringBuilder body = new StringBuilder();
        StringBuilder tabs = new StringBuilder();
        boolean allSvg = dot != null;
        for (View v : views) {
            tabs.append("<button class=\"tab\" data-view=\"").append(v.id).append("\">").append(esc(v.title)).append("</button>\n");
            String svg = dot == null ? null : Dot.svg(dot, v.dot);
            allSvg &= svg != null;
            body.append("<section id=\"").append(v.id).append("\" class=\"view\">\n<h2>").append(esc(v.title)).append("</h2>\n<p class=\"note\">")
                    .append(esc(v.note)).append("</p>\n");
            if (svg != null) {
                body.append("<div class=\"graph\">").append(svg).append("</div>\n");
            } else {
                body.append("<p><a download=\"").append(v.id).append(".dot\" href=\"data:text/vnd.graphviz;base64,")
                        .append(Base64.getEncoder().encodeToString(v.dot.getBytes(StandardCharsets.UTF_8)))
                        .append("\">download the DOT text</a> (render with <code>dot -Tsvg</code>)</p>\n<pre class=\"dot\">")
                        .append(esc(v.dot)).append("</pre>\n");
            }
            if (v.id.equals("plan")) {
                body.append("<p class=\"kernels\">");
                for (int i = 0; i < code.size(); i++) {
                    body.append("<button class=\"kernel\" data-kernel=\"").append(i).append("\">step ").append(i).append("</button> ");
                }
                body.append("</p>\n");
            }
            body.append("</section>\n");
        }
        String layout = allSvg ? "Layout: Graphviz dot (" + dot + "), embedded as SVG."
                : dot == null ? "Layout: Graphviz's dot is not installed (apt-get install graphviz), so each graph is given as DOT text to download."
                : "Layout: Graphviz's dot failed on some graphs; those are given as DOT text to download.";
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < code.size(); i++) {
            json.append(i == 0 ? "" : ",").append(jsonString(code.get(i)));
        }
        json.append(']');
        return PAGE.replace("$TITLE", esc(d.title())).replace("$LAYOUT", esc(layout))
                .replace("$DEVICE", esc(d.device().toString())).replace("$TABS", liveTab + tabs).replace("$BODY", liveSection + body)
                .replace("$CODE", json.toString().replace("</", "<\\/")).replace("$LIVE", liveScript)
                .replace("$FIRST", liveTab.isEmpty() ? "plan" : "live");
    }

    /** An IR graph: one box per node (number, op, type), backward's nodes orange, inputs named. */
    static String graphDot(Graph g, List<int[]> gradientRanges, List<String> inputNames) {
        StringBuilder sb = new StringBuilder("digraph G {\n  rankdir=TB; node [shape=box, style=\"rounded,filled\", fillcolor=\"#e8eefc\","
                + " fontname=\"Helvetica\", fontsize=10]; edge [arrowsize=0.6];\n");
        Map<Node, Integer> number = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            int i = number.size();
            number.put(n, i);
            boolean backward = gradientRanges.stream().anyMatch(r -> i >= r[0] && i < r[1]);
            String label = "%" + i + " " + n.op().name();
            String attrs = n.op().attributes();
            if (n.op() instanceof Leaf.Input in && in.slot() < inputNames.size()) {
                label += "\\n" + dotEsc(inputNames.get(in.slot()));
            } else if (!attrs.isEmpty()) {
                label += " " + dotEsc(attrs.length() > 40 ? attrs.substring(0, 40) + "…" : attrs);
            }
            label += "\\n" + n.type();
            sb.append("  n").append(i).append(" [id=\"node-").append(i).append("\", label=\"").append(label).append('"')
                    .append(backward ? ", fillcolor=\"#fde2c4\"" : n.op() instanceof Leaf ? ", fillcolor=\"#e4f5e1\"" : "").append("];\n");
            for (Node in : n.inputs()) {
                sb.append("  n").append(number.get(in)).append(" -> n").append(i).append(";\n");
            }
        }
        for (Node o : g.outputs()) {
            sb.append("  n").append(number.get(o)).append(" [peripheries=2];\n");
        }
        return sb.append("}\n").toString();
    }

    /** The plan: each step a cluster (id {@code kernel_N}) around the buffers it writes, edges from the buffers it reads. */
    static String planDot(Plan plan, List<String> code, String cudaSource) {
        StringBuilder sb = new StringBuilder("digraph P {\n  rankdir=TB; compound=true; node [shape=box, style=\"rounded,filled\","
                + " fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=10];\n");
        Map<Integer, Boolean> placed = new HashMap<>();
        for (int b : plan.inputs()) {
            sb.append("  b").append(b).append(" [label=\"buf").append(b).append(" (input)\\n").append(buffer(plan, b))
                    .append("\", fillcolor=\"#e4f5e1\"];\n");
            placed.put(b, true);
        }
        List<Plan.Step> steps = plan.steps();
        List<String> edges = new ArrayList<>();
        for (int s = 0; s < steps.size(); s++) {
            Plan.Step step = steps.get(s);
            List<Integer> reads = new ArrayList<>();
            List<Integer> writes = new ArrayList<>();
            String title;
            StringBuilder text = new StringBuilder();
            switch (step) {
                case Plan.KernelStep k -> {
                    Kernel kernel = k.kernel();
                    title = "kernel " + kernel.name() + (kernel.domain() != null ? " over " + kernel.domain() : "");
                    kernel.loads().forEach(l -> reads.add(l.buffer()));
                    kernel.stores().forEach(st -> writes.add(st.buffer()));
                    kernel.accumulates().forEach(a -> writes.add(kernel.loads().get(a.target()).buffer()));
                    text.append("== ").append(title).append("\n").append(kernel.describe()).append("\n== JVM bytecode (scalar form)\n")
                            .append(bytecode(kernel, plan.buffers().size()));
                }
                case Plan.MatMulStep m -> {
                    title = "matmul (blocked GEMM" + (m.epilogue() != null ? ", fused epilogue" : "") + ")";
                    reads.add(m.a());
                    reads.add(m.b());
                    writes.add(m.out());
                    text.append("== ").append(title).append("\nbuf").append(m.out()).append(" = buf").append(m.a()).append(" ").append(m.aView())
                            .append(" @ buf").append(m.b()).append(" ").append(m.bView()).append(" (Kiln's GEMM, no generated code)\n");
                    if (m.epilogue() != null) {
                        text.append("\n== epilogue\n").append(m.epilogue().describe()).append("\n== JVM bytecode of the epilogue (scalar form)\n")
                                .append(bytecode(m.epilogue(), plan.buffers().size()));
                    }
                }
                case Plan.OpStep o -> {
                    title = "op " + o.op().name();
                    reads.addAll(o.inputs());
                    writes.add(o.output());
                    text.append("== ").append(title).append("\nrun by the runtime's op library, no generated code\n");
                }
                case Plan.ReadScalar r -> {
                    title = "read scalar s" + r.slot();
                    reads.add(r.buffer());
                    text.append("== ").append(title).append(" from buf").append(r.buffer()).append('\n');
                }
                case Plan.WriteScalar w -> {
                    title = "write scalar s" + w.slot();
                    writes.add(w.buffer());
                    text.append("== ").append(title).append(" to buf").append(w.buffer()).append('\n');
                }
            }
            if (cudaSource != null) {
                text.append("\n== CUDA C of the whole plan (Kiln.cudaSource)\n").append(cudaSource);
            } else {
                text.append("\n(CUDA C: add kiln-runtime-cuda to the class path to see the plan as CUDA C)\n");
            }
            code.add(text.toString());
            sb.append("  subgraph cluster_").append(s).append(" {\n    id=\"kernel_").append(s).append("\"; label=\"step ").append(s).append(": ")
                    .append(dotEsc(title)).append("\"; style=\"filled,rounded\"; fillcolor=\"#fff4d6\"; fontname=\"Helvetica\"; fontsize=10;\n")
                    .append("    s").append(s).append(" [shape=point, width=0.05, label=\"\"];\n");
            for (int b : writes) {
                if (placed.putIfAbsent(b, true) == null) {
                    sb.append("    b").append(b).append(" [label=\"buf").append(b).append("\\n").append(buffer(plan, b)).append("\"];\n");
                }
            }
            sb.append("  }\n");
            for (int b : reads.stream().distinct().toList()) {
                if (placed.putIfAbsent(b, true) == null) {
                    sb.append("  b").append(b).append(" [label=\"buf").append(b).append("\\n").append(buffer(plan, b)).append("\"];\n");
                }
                edges.add("  b" + b + " -> s" + s + ";\n");
            }
            for (int b : writes.stream().distinct().toList()) {
                edges.add("  s" + s + " -> b" + b + " [style=dotted];\n");
            }
        }
        for (int o : plan.outputs()) {
            sb.append("  b").append(o).append(" [peripheries=2];\n");
        }
        edges.forEach(sb::append);
        return sb.append("}\n").toString();
    }

    private static String buffer(Plan plan, int b) {
        Plan.Buffer buf = plan.buffers().get(b);
        return buf.dtype() + " " + buf.shape();
    }

    private static String bytecode(Kernel k, int buffers) {
        byte[] cls = JvmEmitter.emit(k, "dev/kiln/cpu/Kernel$" + k.name(), buffers);
        try {
            return Bytecode.text(cls);
        } catch (NoClassDefFoundError e) {
            return "(ASM's asm-util is not on the class path: add org.ow2.asm:asm-util to see the " + cls.length + " bytes of bytecode as text)\n";
        }
    }

    private static String dotEsc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static final String PAGE = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Kiln viz: $TITLE</title>
            <style>
            body { font: 14px Helvetica, Arial, sans-serif; margin: 0; }
            header { padding: 8px 16px; background: #2b2d42; color: #fff; }
            header p { margin: 4px 0 0; font-size: 12px; color: #ccd; }
            nav { padding: 8px 16px; border-bottom: 1px solid #ccc; }
            .tab { margin: 2px; } .tab.on { font-weight: bold; }
            .view { display: none; padding: 0 16px; } .view.on { display: block; }
            .graph { overflow: auto; border: 1px solid #ddd; max-height: 80vh; }
            g.cluster { cursor: pointer; }
            #panel { display: none; position: fixed; right: 0; top: 0; width: 45%; height: 100%; background: #fafafa;
                     border-left: 2px solid #888; overflow: auto; padding: 8px; box-sizing: border-box; }
            #panel.open { display: block; }
            pre { font: 12px monospace; white-space: pre; }
            </style></head>
            <body>
            <header><strong>Kiln viz</strong> — $TITLE on $DEVICE<p id="layout">$LAYOUT</p></header>
            <nav>$TABS</nav>
            $BODY
            <aside id="panel"><button id="close">close</button><pre id="code"></pre></aside>
            <script type="application/json" id="kernels">$CODE</script>
            <script>
            "use strict";
            const code = JSON.parse(document.getElementById("kernels").textContent);
            function show(id) {
              document.querySelectorAll(".view").forEach(v => v.classList.toggle("on", v.id === id));
              document.querySelectorAll(".tab").forEach(t => t.classList.toggle("on", t.dataset.view === id));
            }
            function open(i) {
              document.getElementById("code").textContent = code[i];
              document.getElementById("panel").classList.add("open");
            }
            document.querySelectorAll(".tab").forEach(t => t.addEventListener("click", () => show(t.dataset.view)));
            document.querySelectorAll("g.cluster[id^='kernel_']").forEach(g =>
              g.addEventListener("click", () => open(Number(g.id.substring(7)))));
            document.querySelectorAll("button.kernel").forEach(b => b.addEventListener("click", () => open(Number(b.dataset.kernel))));
            document.getElementById("close").addEventListener("click", () => document.getElementById("panel").classList.remove("open"));
            show(location.hash ? location.hash.substring(1) : "$FIRST");
            </script>
            $LIVE
            </body></html>
            """;
}
