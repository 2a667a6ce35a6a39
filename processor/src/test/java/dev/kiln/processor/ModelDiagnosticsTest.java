package dev.kiln.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** Every compile-time error of the {@code @Model} processor, on the offending element's line. */
class ModelDiagnosticsTest {
    private static final String HEAD = "package demo; import dev.kiln.*; import dev.kiln.model.*; import dev.kiln.nn.*; import dev.kiln.model.Init;";
    private static final String FORWARD = "@Forward public Tensor forward(Tensor x) { return x; }";

    /** A source whose line 1 is the imports; {@code lines} follow from line 2. */
    private static JavaFileObject src(String... lines) {
        String[] all = new String[lines.length + 1];
        all[0] = HEAD;
        System.arraycopy(lines, 0, all, 1, lines.length);
        return ModelProcessorTest.source("demo.M", all);
    }

    private static void error(String message, int line, String... lines) {
        JavaFileObject s = src(lines);
        Compilation c = ModelProcessorTest.compile(s);
        assertThat(c).failed();
        assertThat(c).hadErrorContaining(message).inFile(s).onLine(line);
    }

    @Test
    void paramAndBufferFieldsMustBeTensorsThatTheSubclassCanSet() {
        error("@Param field 'a' must be a dev.kiln.Tensor, not java.lang.String", 3,
                "@Model abstract class M extends Module {", "  @Param String a;", FORWARD, "}");
        error("@Param field 'a' cannot be private", 3, "@Model abstract class M extends Module {", "  @Param private Tensor a;", FORWARD, "}");
        error("@Buffer field 'a' cannot be final", 3, "@Model abstract class M extends Module {",
                "  @Buffer final Tensor a = Tensor.zeros(1);", FORWARD, "}");
        error("@Param field 'a' cannot be static", 3, "@Model abstract class M extends Module {", "  @Param static Tensor a;", FORWARD, "}");
        error("@Child field 'h' must be a dev.kiln.nn.Module, not java.lang.Object", 3, "@Model abstract class M extends Module {",
                "  @Child Object h = new Object();", FORWARD, "}");
        error("a field is one of @Param, @Buffer and @Child, not several", 3, "@Model abstract class M extends Module {",
                "  @Param @Buffer Tensor a;", FORWARD, "}");
    }

    @Test
    void namesAreUniqueAndNotDotted() {
        error("duplicate name 'a': field 'a' is registered under it already", 4, "@Model abstract class M extends Module {",
                "  @Param Tensor a;", "  @Buffer(name = \"a\") Tensor b;", FORWARD, "}");
        error("duplicate name 'head'", 4, "@Model abstract class M extends Module {",
                "  @Child Linear head = new Linear(1, 1);", "  @Param(name = \"head\") Tensor w;", FORWARD, "}");
        error("name 'head.weight' contains '.'", 3, "@Model abstract class M extends Module {",
                "  @Param(name = \"head.weight\") Tensor w;", FORWARD, "}");
    }

    @Test
    void exactlyOneForwardReturningATensorOfTensors() {
        error("a @Model class needs a @Forward method", 2, "@Model abstract class M extends Module {", "  @Param Tensor a;", "}");
        error("a @Model class has one @Forward method; forward is one already", 4, "@Model abstract class M extends Module {",
                FORWARD, "  @Forward public Tensor other(Tensor x) { return x; }", "}");
        error("the @Forward method must return a dev.kiln.Tensor, not double", 3, "@Model abstract class M extends Module {",
                "  @Forward double f(Tensor x) { return 0; }", "}");
        error("arguments of the @Forward method are dev.kiln.Tensor, not int", 3, "@Model abstract class M extends Module {",
                "  @Forward Tensor f(int x) { return null; }", "}");
        error("the @Forward method cannot be private, static, final or abstract", 3, "@Model abstract class M extends Module {",
                "  @Forward private Tensor f(Tensor x) { return x; }", "}");
    }

    @Test
    void malformedDimsAndNonPositiveSizes() {
        error("@Dims(\"N 0\"): fixed sizes are positive, got 0", 3, "@Model abstract class M extends Module {",
                "  @Forward public Tensor forward(@Dims(\"N 0\") Tensor x) { return x; }", "}");
        error("'3x' is neither a size, a name nor '*'", 3, "@Model abstract class M extends Module {",
                "  @Forward public Tensor forward(@Dims(\"N 3x\") Tensor x) { return x; }", "}");
        error("@Dims(\"  \") is empty", 3, "@Model abstract class M extends Module {",
                "  @Forward public Tensor forward(@Dims(\"  \") Tensor x) { return x; }", "}");
        error("dimension 1 of its shape is -2; sizes are positive", 3, "@Model abstract class M extends Module {",
                "  @Param(shape = {3, -2}) Tensor w;", FORWARD, "}");
        error("@Dims is checked on the arguments of the @Forward method only", 4, "@Model abstract class M extends Module {",
                FORWARD, "  Tensor helper(@Dims(\"N\") Tensor x) { return x; }", "}");

        // the docs allow spaces between dimensions only; a comma is not a second separator
        error("@Dims(\"N, 4\"): 'N,' is neither a size, a name nor '*' (separate the dimensions with spaces only", 3,
                "@Model abstract class M extends Module {", "  @Forward public Tensor forward(@Dims(\"N, 4\") Tensor x) { return x; }", "}");
        error("'N,4' is neither a size, a name nor '*'", 3, "@Model abstract class M extends Module {",
                "  @Forward public Tensor forward(@Dims(\"N,4\") Tensor x) { return x; }", "}");
    }

    @Test
    void theClassMustBeExtensibleAModuleAndConstructible() {
        error("a @Model class cannot be final", 2, "@Model final class M extends Module {", FORWARD, "}");
        error("a @Model class must extend dev.kiln.nn.Module", 2, "@Model abstract class M {", FORWARD, "}");
        error("a @Model class needs a constructor that is not private", 2, "@Model abstract class M extends Module {",
                "  private M() { }", FORWARD, "}");
        error("a nested @Model class must be static", 3, "class M {", "  @Model abstract class Inner extends Module {", "    " + FORWARD,
                "  }", "}");
        error("@Model goes on a class", 2, "@Model interface M {", "}");
    }

    @Test
    void uniformWithoutAFanInAFanInElsewhereAndATrainedIntegerAreRefused() {
        // a shape does not say which dimension is the input ([3, 1] used as x.matmul(w) sums 3): fanIn is given
        error("'w': init UNIFORM draws from U(-1/sqrt(fanIn), 1/sqrt(fanIn)); give fanIn > 0", 3,
                "@Model abstract class M extends Module {", "  @Param(shape = {3, 1}, init = Init.UNIFORM) Tensor w;", FORWARD, "}");
        error("give fanIn > 0, the number of inputs each output sums (w [in, out] used as x.matmul(w): in; a Linear-style"
                + " [out, in]: in), not -3", 3, "@Model abstract class M extends Module {",
                "  @Buffer(shape = {3}, init = Init.UNIFORM, fanIn = -3) Tensor w;", FORWARD, "}");
        error("'w': fanIn is for init UNIFORM, not RANDN", 3, "@Model abstract class M extends Module {",
                "  @Param(shape = {3, 1}, fanIn = 3) Tensor w;", FORWARD, "}");
        error("a parameter is trained, so its dtype is floating, not INT64", 3, "@Model abstract class M extends Module {",
                "  @Param(dtype = DType.INT64) Tensor w;", FORWARD, "}");
    }

    @Test
    void annotationsOutsideAModelClassAreErrors() {
        error("@Param is only meaningful in a @Model class; annotate M with @Model", 3, "abstract class M extends Module {",
                "  @Param Tensor a;", "}");
    }
}
