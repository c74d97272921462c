package io.deepslim.io;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.lowrank.LowRank;
import io.deepslim.compress.ModuleTree;
import io.deepslim.compress.lowrank.Variant;
import io.deepslim.compress.prune.FilterPruning;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Int8Linear;
import io.deepslim.nn.Linear;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * Wrote the format-version-1 fixtures under src/test/resources/models/v1 with the code as it was
 * at commit e52d7a3 (before the module tree): a dense student10, a student10 with a pruned conv, a low-rank and an int8 Linear, and a filter-pruned student10,
 * each with the logits it gave on {@link #input()}. Kept for the record; the files are committed
 * and {@code FormatV1Test} only reads them. Run: java -cp … io.deepslim.io.FormatV1Fixtures DIR
 */
public final class FormatV1Fixtures {
    private FormatV1Fixtures() {}

    /** The fixed input the stored logits were computed on: (2, 3, 32, 32) uniform in [-1, 1) from seed 5. */
    static Tensor input() {
        Random r = new Random(5);
        float[] v = new float[2 * 3 * 32 * 32];
        for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
        return Tensor.of(v, 2, 3, 32, 32);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        ZooNet dense = Zoo.create("student10", 32, 2, 91);
        write(dense, ModelInfo.of("student10", 32), dir, "dense");
        ZooNet comp = Zoo.create("student10", 32, 2, 92);
        Pruning.l1Layer(comp, "layer2.1", 0.7);
        LowRank.factorize(comp, "fc.1", 6, Variant.CORRECT);
        ModuleTree.replace(comp, "fc1.0", Int8Linear.fromFloat((Linear) ModuleTree.get(comp, "fc1.0"), Granularity.PER_CHANNEL));
        write(comp, ModelInfo.of("student10", 32).withCompression(Map.of("method", "mixed")), dir, "compressed");
        ZooNet filters = Zoo.create("student10", 32, 2, 93);
        FilterPruning.prune(filters, 0.5, FilterPruning.Norm.L1);
        write(filters, ModelInfo.of("student10", 32).withCompression(Map.of("method", "structured")), dir, "filter_pruned");
    }

    private static void write(ZooNet net, ModelInfo info, Path dir, String name) throws Exception {
        net.eval();
        ModelFile.save(net, info, dir.resolve(name + ".safetensors"));
        float[] y;
        try (GradMode g = GradMode.off()) {
            y = net.forward(input()).toFloatArray();
        }
        SafeTensors.writer().add("logits", new int[]{2, info.numClasses()}, y).write(dir.resolve(name + "_logits.safetensors"));
    }
}
