package io.deepslim.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Observer;
import io.deepslim.compress.quant.Quantizer;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model-file defects of issue 10, one test each: every edit is refused with a
 * ModelFormatException that names the field or tensor and says what was expected.
 */
class ModelFileRobustnessTest {
    @TempDir static Path tmp;
    static FileEdits dense, int8, pruned, torch;

    @BeforeAll
    static void files() throws Exception {
        Path d = tmp.resolve("dense.safetensors");
        ModelFile.save(Zoo.create("student10", 32, 2, 1), ModelInfo.of("student10", 32), d);
        dense = FileEdits.read(d);
        ZooNet q = Zoo.create("student10", 32, 2, 2);
        Quantizer.all(q, List.of(Tensor.uniform(new Random(3), -1f, 1f, 2, 3, 32, 32)), Granularity.PER_CHANNEL, Observer::minMax);
        Path qf = tmp.resolve("int8.safetensors");
        ModelFile.save(q, ModelInfo.of("student10", 32), qf);
        int8 = FileEdits.read(qf);
        ZooNet p = Zoo.create("student10", 32, 2, 4);
        Pruning.l1Local(p, 0.7);
        Path pf = tmp.resolve("pruned.safetensors");
        ModelFile.save(p, ModelInfo.of("student10", 32), pf);
        pruned = FileEdits.read(pf);
        torch = FileEdits.read(ModelFileTest.resource("student10_s32.safetensors"));
    }

    private static int n;

    /** Writes {@code f}, loads it (as a PyTorch import of student10 when it has no metadata) and returns the error. */
    static String refused(FileEdits f, String... mustContain) throws Exception {
        Path p = f.write(tmp.resolve("edit" + n++ + ".safetensors"));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> ModelFile.load(p, f.meta == null ? "student10" : null, 0));
        String m = e.getMessage();
        assertFalse(m.contains("java.lang") || m.endsWith("null"), m);
        for (String s : mustContain) assertTrue(m.contains(s), "'" + s + "' in: " + m);
        return m;
    }

    @Test
    void pytorchImportWithOneDimensionalFcWeight() throws Exception {
        FileEdits f = torch.copy();
        long[] s = f.tensors.get("fc.1.weight").shape();
        refused(f.relabel("fc.1.weight", SafeTensors.Dtype.F32, s[0] * s[1]), "fc.1.weight", "2-D");
    }

    @Test
    void pytorchImportWithAHugeEmptyExtraTensor() throws Exception {
        FileEdits f = torch.copy();
        f.tensors.put("zz.weight", new FileEdits.Stored(SafeTensors.Dtype.F32, new long[]{2147483647L, 0}, new byte[0]));
        refused(f, "zz.weight", "unknown");
        Path p = torch.write(tmp.resolve("torch.safetensors"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.load(p, "student10", 4096));
        assertTrue(e.getMessage().contains("fc.1.weight") && e.getMessage().contains("[128, 1048576]"), e.getMessage());
    }

    @Test
    void inputSizeIsCheckedAgainstTheTensorsBeforeBuilding() throws Exception {
        refused(dense.copy().meta(m -> m.put("input_size", 4096)), "input_size", "4096");
        refused(dense.copy().meta(m -> {
            m.put("input_size", 4096);
            FileEdits.args(m, "").put("input_size", 4096);
            return m;
        }), "fc.1", "expects 64 input features");
        refused(dense.copy().meta(m -> m.put("input_size", "abc")), "'input_size'", "integer", "\"abc\"");
        refused(dense.copy().meta(m -> m.put("input_size", 1 << 20)), "'input_size'");
    }

    @Test
    void recipeGeometryIsBounded() throws Exception {
        refused(int8.copy().meta(m -> {
            FileEdits.args(m, "layer1.0").putArray("padding").add(1000).add(1000);
            return m;
        }), "layer1.0", "'padding'", "[0, 2]");
        refused(int8.copy().meta(m -> {   // layer1.1 is a 1x1 conv
            FileEdits.args(m, "layer1.1").putArray("padding").add(3).add(3);
            return m;
        }), "layer1.1", "'padding'", "[0, 0]");
        refused(int8.copy().meta(m -> {
            FileEdits.args(m, "layer1.0").putArray("stride").add(1).add("x");
            return m;
        }), "layer1.0", "'stride'");
    }

    @Test
    void compressedTensorsRenamedDroppedOrRelabelled() throws Exception {
        refused(pruned.copy().rename("layer2.1.weight.values", "layer2.1.weight.valuez"), "layer2.1.weight.valuez");
        FileEdits dropped = pruned.copy();
        dropped.tensors.remove("layer2.1.bias");
        refused(dropped, "missing", "layer2.1.bias");
        refused(int8.copy().relabel("layer2.0.weight_scale", SafeTensors.Dtype.I32), "layer2.0.weight_scale", "F32");
        refused(int8.copy().relabel("layer2.0.weight", SafeTensors.Dtype.U8), "layer2.0", "I8");
        // version 1 had no list of a layer's tensors: a renamed one is refused as unused, a dropped bias from the zoo layer
        FileEdits v1 = FileEdits.read(FormatV1Test.v1("compressed.safetensors"));
        refused(v1.copy().rename("layer2.1.bias", "layer2.1.xbias"), "layer2.1", "xbias");
        FileEdits v1dropped = v1.copy();
        v1dropped.tensors.remove("fc.1.1.bias");
        refused(v1dropped, "fc.1", "bias");
        // version 2 lists each compressed layer's tensors; the list is required
        refused(pruned.copy().meta(m -> {
            FileEdits.args(m, "layer2.1").remove("tensors");
            return m;
        }), "layer2.1", "'tensors'");
    }

    @Test
    void denseTensorsUnknownOrRelabelled() throws Exception {
        refused(dense.copy().relabel("layer1.0.weight", SafeTensors.Dtype.I32), "layer1.0.weight", "I32", "F32");
        FileEdits extra = dense.copy();
        extra.tensors.put("layer1.0.extra", dense.tensors.get("layer1.0.bias"));
        refused(extra, "unknown", "layer1.0.extra");
        FileEdits t = torch.copy();
        t.tensors.remove("layer3.2.running_var");
        refused(t, "missing", "layer3.2.running_var");
    }

    @Test
    void normalizationAndMetadataText() throws Exception {
        for (String bad : new String[]{"NaN", "Infinity", "1e300", "-1e300"}) {
            FileEdits f = dense.copy();
            f.meta = f.meta.replaceFirst("\"std\":\\[[^]]*]", "\"std\":[" + bad + ",0.2,0.2]");
            refused(f, "'std'");
            FileEdits g = dense.copy();
            g.meta = g.meta.replaceFirst("\"mean\":\\[[^]]*]", "\"mean\":[0.4," + bad + ",0.4]");
            refused(g, "'mean'");
        }
        FileEdits junk = dense.copy();
        junk.meta = junk.meta + " {\"arch\":\"x\"}";
        refused(junk, "one valid JSON document");
        refused(dense.copy().meta(m -> m.put("class_names", 5)), "'class_names'");
        refused(dense.copy().meta(m -> m.put("surprise", 1)), "'surprise'");
        refused(dense.copy().meta(m -> {
            m.remove("modules");
            return m;
        }), "'modules'");
        refused(dense.copy().meta(m -> {
            ((ObjectNode) FileEdits.node(m, "layer2")).put("type", "conv9d");
            return m;
        }), "layer2", "conv9d");
    }
}
