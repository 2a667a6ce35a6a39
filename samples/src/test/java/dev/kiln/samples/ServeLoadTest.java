package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Inference;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The serve sample under load, on loopback and a free port: 16 concurrent clients × 2,000 requests of
 * random batch sizes, every answer bit-equal to the same compiled forward run on one thread, no
 * errors; and every bad request refused with a 400 that says what is wrong, the server serving on.
 */
class ServeLoadTest {
    @Test
    @Timeout(240)
    void sixteenClientsTimesTwoThousandRequests() throws Exception {
        Inference model = ServeSample.inference(ServeSample.mlp());
        try (PredictServer server = new PredictServer(model, 0, 16)) {
            ServeSelfTest.Report r = ServeSelfTest.run(server.port(), model, 16 * 2000, 16, 7);
            System.out.println(r);
            assertEquals(0, r.wrong(), r.toString());
            assertEquals(0, r.errors(), r.toString());
            assertTrue(r.retried() <= 16, "a closed kept-alive connection is rare: " + r);
            assertEquals(List.of(), r.badFailures());
            assertTrue(server.served() >= 16 * 2000 && server.served() <= 16 * 2000 + r.retried(), server.served() + " answers");
            assertEquals(ServeSelfTest.BAD.size(), server.refused());
        }
    }

    @Test
    void badRequestsSayWhatIsWrong() {
        Map<String, String> says = Map.ofEntries(
                Map.entry("malformed JSON", "malformed JSON"),
                Map.entry("an empty body", "the body is empty"),
                Map.entry("a body over 1 MiB", "1 MiB"),
                Map.entry("not an object", "JSON object"),
                Map.entry("no x", "no field \"x\""),
                Map.entry("an unknown field", "unknown field \"y\""),
                Map.entry("x twice", "Duplicate"),
                Map.entry("text after the object", "after the JSON object"),
                Map.entry("x not an array", "x must be an array"),
                Map.entry("rows not arrays", "x[0] must be a row"),
                Map.entry("nested too deep", "x[0][0] is an array"),
                Map.entry("a row of two", "x[0] has more than one number"),
                Map.entry("an empty row", "x[0] is empty"),
                Map.entry("no rows", "no rows"),
                Map.entry("65 rows", "more than 64 rows"),
                Map.entry("a string", "x[0][0] is a string"),
                Map.entry("null", "x[0][0] is null"),
                Map.entry("a boolean", "x[0][0] is a boolean"),
                Map.entry("NaN", "NaN or an infinity"),
                Map.entry("Infinity", "NaN or an infinity"),
                Map.entry("-Infinity", "NaN or an infinity"),
                Map.entry("beyond float32", "outside float32's range"),
                Map.entry("beyond float64", "outside float32's range"),
                Map.entry("not JSON at all", "malformed JSON"));
        assertEquals(ServeSelfTest.BAD.keySet(), says.keySet());
        ServeSelfTest.BAD.forEach((what, body) -> {
            if (what.equals("a body over 1 MiB")) {
                return; // refused while reading the body, before parsing (the load test sends it)
            }
            PredictServer.BadRequest e = assertThrows(PredictServer.BadRequest.class,
                    () -> PredictServer.parse(body.getBytes(StandardCharsets.UTF_8)), what);
            assertTrue(e.getMessage().contains(says.get(what)), what + ": " + e.getMessage());
        });
    }

    @Test
    void goodRequestsParseAndAnswersReadBackBitForBit() throws Exception {
        assertArrayEquals(new float[] {0.5f, -3f, 1e-30f}, PredictServer.parse("{\"x\": [[0.5], [-3], [1e-30]]}".getBytes()));
        float[] y = {0.1f, -2.5e-8f, Float.MIN_VALUE, 3.4028235e38f};
        assertArrayEquals(y, ServeSelfTest.answer(PredictServer.answer(y)));
    }
}
