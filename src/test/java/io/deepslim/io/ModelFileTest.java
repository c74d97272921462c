package io.deepslim.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.autograd.GradMode;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ModelFileTest {
    static Path resource(String name) throws Exception {
        return Path.of(ModelFileTest.class.getResource("/models/" + name).toURI());
    }

    static float[] logits(ZooNet net, Tensor x) {
        try (GradMode g = GradMode.off()) {
            return net.forward(x).toFloatArray();
        }
    }

    @Test
    void pytorchStateDictImportsAndGivesPyTorchLogits() throws Exception {
        // written by tools/make_model_fixtures.py like safetensors.torch.save_file(model.state_dict(), f)
        ModelFile.Loaded m = ModelFile.load(resource("student10_s32.safetensors"), "student10", 0);
        assertEquals(32, m.info().inputSize(), "input size inferred from fc.1.weight");
        try (SafeTensors io = SafeTensors.open(resource("student10_s32_io.safetensors"))) {
            Tensor x = Tensor.of(io.floats("in.x"), io.entry("in.x").intShape());
            float[] ref = io.floats("out.logits"), got = logits(m.model(), x);
            // tolerance: |got − ref| ≤ 1e-4 + 1e-4·|ref| (float32 on both sides, different summation order)
            for (int i = 0; i < ref.length; i++) {
                if (Math.abs(got[i] - ref[i]) > 1e-4 + 1e-4 * Math.abs(ref[i])) fail("logit " + i + ": " + got[i] + " vs PyTorch " + ref[i]);
            }
        }
    }

    @Test
    void zooStateDictsHavePyTorchNamesShapesAndOrder() throws Exception {
        JsonNode all = new ObjectMapper().readTree(resource("zoo_state_dicts.json").toFile());
        for (String arch : Zoo.NAMES) {
            List<String> expected = new ArrayList<>();
            all.get(arch).forEach(e -> expected.add(e.get(0).asText() + e.get(1).toString().replace(" ", "")));
            List<String> got = new ArrayList<>();
            for (Map.Entry<String, Tensor> e : Zoo.create(arch, 224, 2, 1).stateDict().entrySet()) {
                got.add(e.getKey() + java.util.Arrays.toString(e.getValue().shape()).replace(" ", ""));
            }
            assertEquals(expected, got, arch);
        }
    }

    @Test
    void saveLoadRoundTripKeepsWeightsAndMetadata(@TempDir Path dir) throws Exception {
        ZooNet net = Zoo.create("student20", 64, 2, 5);
        net.eval();
        ModelInfo info = ModelInfo.of("student20", 64).withProvenance(Map.of("data", "synthetic", "epochs", 3));
        Path f = dir.resolve("m.safetensors");
        ModelFile.save(net, info, f);
        ModelFile.Loaded back = ModelFile.load(f);
        Tensor x = Tensor.randn(new Random(3), 1f, 2, 3, 64, 64);
        assertArrayEquals(logits(net, x), logits(back.model(), x), 0f);
        assertEquals("synthetic", back.info().provenance().get("data"));
        assertEquals(List.of("real", "fake"), back.info().classNames());
        assertEquals(64, ModelFile.readInfo(f).inputSize());
    }

    @Test
    void wrongArchitectureTruncationAndTamperingAreClearErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.safetensors");
        ModelFile.save(Zoo.create("student10", 32, 2, 1), ModelInfo.of("student10", 32), f);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.load(f, "vgg45m", 0));
        assertTrue(e.getMessage().contains("not vgg45m"), e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> ModelFile.load(resource("student10_s32.safetensors"), "student30", 32));
        assertTrue(e.getMessage().contains("do not match the architecture"), e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> ModelFile.load(resource("student10_s32.safetensors")));
        assertTrue(e.getMessage().contains("--arch"), e.getMessage());

        byte[] bytes = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.safetensors");
        for (int len : new int[]{0, 7, 100, bytes.length / 2, bytes.length - 1}) {
            Files.write(cut, java.util.Arrays.copyOf(bytes, len));
            assertThrows(ModelFormatException.class, () -> ModelFile.load(cut), "truncated to " + len);
        }
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        Path bad = dir.resolve("bad.safetensors");
        // the top-level name must agree with the zoo network in the module tree
        Files.write(bad, text.replaceFirst("\\\\\"student10\\\\\"", "\\\\\"resnet_99\\\\\"").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        e = assertThrows(ModelFormatException.class, () -> ModelFile.load(bad));
        assertTrue(e.getMessage().contains("resnet_99") && e.getMessage().contains("student10"), e.getMessage());
        Files.write(bad, text.replace("\\\"input_size\\\":32", "\\\"input_size\\\":33").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        e = assertThrows(ModelFormatException.class, () -> ModelFile.load(bad));
        assertTrue(e.getMessage().contains("input_size"), e.getMessage());
    }
}
