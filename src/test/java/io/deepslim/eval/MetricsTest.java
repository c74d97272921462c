package io.deepslim.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {
    @Test
    void handComputedCase() {
        // scores ≥ 0.5 → fake: predictions 1,1,0,0,1 for labels 1,0,1,0,1 → tp 2, fp 1, fn 1, tn 1
        float[] s = {0.9f, 0.6f, 0.4f, 0.1f, 0.7f};
        int[] y = {1, 0, 1, 0, 1};
        BinaryMetrics m = Metrics.compute(s, y, 0.5);
        assertEquals(2, m.tp());
        assertEquals(1, m.fp());
        assertEquals(1, m.fn());
        assertEquals(1, m.tn());
        assertEquals(0.6, m.accuracy(), 1e-12);
        assertEquals(2.0 / 3, m.precision(), 1e-12);
        assertEquals(2.0 / 3, m.recall(), 1e-12);
        // ranking: pairs (pos, neg) correctly ordered: 0.9>0.6,0.1; 0.4>0.1 only; 0.7>0.6,0.1 → 5 of 6
        assertEquals(5.0 / 6, m.rocAuc(), 1e-12);
        assertEquals(0.5, Metrics.compute(new float[]{0.5f, 0.5f}, new int[]{0, 1}, 0.5).rocAuc(), 1e-12);
        assertTrue(Double.isNaN(Metrics.compute(new float[]{0.2f}, new int[]{1}, 0.5).rocAuc()));
        assertThrows(IllegalArgumentException.class, () -> Metrics.compute(new float[]{0.2f}, new int[]{2}, 0.5));
    }

    @Test
    void matchesScikitLearn() throws Exception {
        JsonNode root = new ObjectMapper().readTree(getClass().getResourceAsStream("/metrics/sklearn_cases.json"));
        for (JsonNode c : root.get("cases")) {
            String name = c.get("name").asText();
            float[] s = new float[c.get("scores").size()];
            int[] y = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) c.get("scores").get(i).asDouble();
                y[i] = c.get("labels").get(i).asInt();
            }
            BinaryMetrics m = Metrics.compute(s, y, c.get("threshold").asDouble());
            assertEquals(c.get("accuracy").asDouble(), m.accuracy(), 1e-9, name);
            assertEquals(c.get("precision").asDouble(), m.precision(), 1e-9, name);
            assertEquals(c.get("recall").asDouble(), m.recall(), 1e-9, name);
            assertEquals(c.get("f1").asDouble(), m.f1(), 1e-9, name);
            assertEquals(c.get("roc_auc").asDouble(), m.rocAuc(), 1e-9, name);
            assertEquals(c.get("average_precision").asDouble(), m.averagePrecision(), 1e-9, name);
            JsonNode cm = c.get("confusion");
            assertArrayEquals(new long[]{cm.get(0).asLong(), cm.get(1).asLong(), cm.get(2).asLong(), cm.get(3).asLong()},
                    new long[]{m.tn(), m.fp(), m.fn(), m.tp()}, name);
            Roc roc = Roc.of(s, y);
            assertEquals(c.get("fpr").size(), roc.fpr().length, name + " roc points");
            for (int i = 0; i < roc.fpr().length; i++) {
                assertEquals(c.get("fpr").get(i).asDouble(), roc.fpr()[i], 1e-9, name);
                assertEquals(c.get("tpr").get(i).asDouble(), roc.tpr()[i], 1e-9, name);
            }
        }
    }

    @Test
    void eerAndPerGroup() {
        // perfect separation → EER 0; inverted → EER 1
        assertEquals(0.0, Roc.of(new float[]{0.1f, 0.9f}, new int[]{0, 1}).eer(), 1e-12);
        assertEquals(1.0, Roc.of(new float[]{0.9f, 0.1f}, new int[]{0, 1}).eer(), 1e-12);
        Map<String, BinaryMetrics> g = Metrics.perGroup(new float[]{0.9f, 0.2f, 0.3f, 0.8f}, new int[]{1, 0, 1, 0},
                new String[]{"a", "a", "b", "b"}, 0.5);
        assertEquals(1.0, g.get("a").accuracy(), 1e-12);
        assertEquals(0.0, g.get("b").accuracy(), 1e-12);
    }

    @Test
    void rocPlotWritesPngAndSvg(@TempDir Path dir) throws Exception {
        Map<String, Roc> curves = Map.of("all", Roc.of(new float[]{0.1f, 0.4f, 0.35f, 0.8f}, new int[]{0, 0, 1, 1}));
        RocPlot.write("test", curves, dir.resolve("roc.png"));
        RocPlot.write("test", curves, dir.resolve("roc.svg"));
        byte[] png = Files.readAllBytes(dir.resolve("roc.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        assertTrue(Files.readString(dir.resolve("roc.svg")).contains("<svg"));
    }
}
