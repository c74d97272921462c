package io.deepslim.io;

import io.deepslim.autograd.GradMode;
import io.deepslim.nn.Module;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Files written by format version 1 (architecture name, no module tree) still load and give the logits they gave then. */
class FormatV1Test {
    static Path v1(String name) throws Exception {
        return Path.of(FormatV1Test.class.getResource("/models/v1/" + name).toURI());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dense", "compressed", "filter_pruned"})
    void versionOneFilesLoadWithTheirRecordedLogits(String name) throws Exception {
        Module net = ModelFile.load(v1(name + ".safetensors")).network();
        float[] want;
        try (SafeTensors st = SafeTensors.open(v1(name + "_logits.safetensors"))) {
            want = st.floats("logits");
        }
        float[] got;
        try (GradMode g = GradMode.off()) {
            got = net.forward(FormatV1Fixtures.input()).toFloatArray();
        }
        // a wrongly read tensor moves logits by far more; kernel changes since (FMA, summation order) move the last bits
        assertEquals(want.length, got.length, name);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-6f * (1 + Math.abs(want[i])), name + " logit " + i);
    }
}
