package dev.kiln.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * The {@code @Model} processor with compile-testing: the generated source of three models against
 * golden files (read and reviewed by hand; -Dkiln.golden.write=true writes the new text beside each as
 * NAME.java.actual and fails: review the diff and move it over), and every compile-time error on its element's line.
 */
class ModelProcessorTest {
    static Compilation compile(JavaFileObject... sources) {
        return javac().withProcessors(new ModelProcessor()).compile(sources);
    }

    static JavaFileObject source(String name, String... lines) {
        return JavaFileObjects.forSourceLines(name, lines);
    }

    private static void golden(Compilation c, String generated, String resource) throws IOException {
        assertThat(c).succeededWithoutWarnings();
        String actual = c.generatedSourceFile(generated).orElseThrow().getCharContent(true).toString();
        if (Boolean.getBoolean("kiln.golden.write")) {
            // beside the golden file, never over it: a run in write mode reviews nothing, so it fails
            java.nio.file.Path file = java.nio.file.Path.of("src/test/resources/model", resource + ".actual");
            java.nio.file.Files.writeString(file, actual);
            fail("wrote " + file + " (write mode never passes): review it against model/" + resource + " and move it over");
        }
        String expected;
        try (InputStream in = ModelProcessorTest.class.getResourceAsStream("/model/" + resource)) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(expected, actual, "generated " + generated + " (golden file model/" + resource + ")");
    }

    private static JavaFileObject polynomial() {
        return source("demo.Polynomial3",
                "package demo;",
                "import dev.kiln.Tensor;",
                "import dev.kiln.model.*;",
                "import dev.kiln.nn.Module;",
                "@Model",
                "abstract class Polynomial3 extends Module {",
                "    @Param(init = Init.RANDN) Tensor a, b, c, d;",
                "    @Forward public Tensor forward(@Dims(\"N\") Tensor x) {",
                "        return a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));",
                "    }",
                "}");
    }

    private static JavaFileObject dynamicNet() {
        return source("demo.Samples",
                "package demo;",
                "import dev.kiln.Tensor;",
                "import dev.kiln.model.*;",
                "import dev.kiln.nn.Module;",
                "import java.util.Random;",
                "class Samples {",
                "    @Model(dynamic = true)",
                "    abstract static class DynamicNet extends Module {",
                "        @Param Tensor a, b, c, d, e;",
                "        private final Random random;",
                "        DynamicNet(Random random) { this.random = random; }",
                "        @Forward public Tensor forward(@Dims(\"N\") Tensor x) {",
                "            Tensor y = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));",
                "            for (int exp = 4; exp < 4 + random.nextInt(3); exp++) { y = y.add(e.mul(x.pow(exp))); }",
                "            return y;",
                "        }",
                "    }",
                "}");
    }

    private static JavaFileObject regressor() {
        return source("demo.Regressor",
                "package demo;",
                "import dev.kiln.DType;",
                "import dev.kiln.Tensor;",
                "import dev.kiln.model.*;",
                "import dev.kiln.nn.Linear;",
                "import dev.kiln.nn.Module;",
                "@Model",
                "public abstract class Regressor extends Module {",
                "    @Param(shape = {3, 1}, init = Init.UNIFORM, fanIn = 3) Tensor w;",
                "    @Child Linear head = new Linear(3, 1);",
                "    @Buffer(dtype = DType.INT64) Tensor calls;",
                "    @Param(init = Init.CONSTANT, value = 0.5, name = \"scale\") Tensor s;",
                "    @Forward Tensor predict(@Dims(\"N 3\") Tensor x, @Dims(\"N *\") Tensor mask) {",
                "        return head.forward(x.mul(mask)).add(x.matmul(w)).mul(s);",
                "    }",
                "}");
    }

    @Test
    void theSeedsPolynomial() throws IOException {
        golden(compile(polynomial()), "demo.Polynomial3Model", "Polynomial3Model.java");
    }

    @Test
    void theSeedsDynamicNetNestedWithAConstructorArgument() throws IOException {
        golden(compile(dynamicNet()), "demo.Samples_DynamicNetModel", "Samples_DynamicNetModel.java");
    }

    @Test
    void childrenBuffersShapesAndTwoCheckedArguments() throws IOException {
        golden(compile(regressor()), "demo.RegressorModel", "RegressorModel.java");
    }

    /** A user who builds with every lint and -Werror can use @Model: the generated code gives no warning. */
    @Test
    void theGeneratedCodeCompilesUnderXlintAllAndWerror() {
        Compilation c = javac().withProcessors(new ModelProcessor()).withOptions("-Xlint:all", "-Werror")
                .compile(polynomial(), dynamicNet(), regressor());
        assertThat(c).succeededWithoutWarnings();
    }
}
