package io.deepslim.golden;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every fixture tools/make_fixtures.py writes is checked by some golden test, and every listed case exists. */
class GoldenCoverageTest {
    @Test
    void everyFixtureHasATest() throws IOException, URISyntaxException {
        Set<String> tested = new TreeSet<>(Set.of("net_train", "net_eval", "opt_sgd", "opt_adam", "opt_adamw",
                "safetensors_dtypes",     // read by io.deepslim.io.SafeTensorsTest
                "kd_loss_T2_w05", "kd_loss_T4_w07"));   // read by io.deepslim.compress.DistillationTest
        Stream.of(OpGoldenTest.BINARY, OpGoldenTest.UNARY, OpGoldenTest.LINALG, OpGoldenTest.CONV,
                OpGoldenTest.CONV_TRANSPOSE, OpGoldenTest.POOL, OpGoldenTest.BATCH_NORM, OpGoldenTest.SHAPE,
                OpGoldenTest.REDUCE, OpGoldenTest.LOSS).forEach(a -> tested.addAll(Set.of(a)));
        Set<String> present = new TreeSet<>();
        try (Stream<Path> files = Files.list(Path.of(GoldenCoverageTest.class.getResource("/golden").toURI()))) {
            files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".safetensors"))
                    .forEach(f -> present.add(f.substring(0, f.length() - ".safetensors".length())));
        }
        assertEquals(present, tested);
    }
}
