package io.deepslim.workflow;

import io.deepslim.compress.ModuleTree;
import io.deepslim.compress.lowrank.Factorized;
import io.deepslim.compress.lowrank.LowRank;
import io.deepslim.compress.lowrank.Variant;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.nn.Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SVD low-rank factorization of one layer into two, optionally fine-tuned.
 *
 * @param layer   layer path, or null for the first Linear (the paper)
 * @param rank    rank to keep, or null with {@code energy}
 * @param energy  instead of rank: the smallest rank retaining this share of Σσ², in (0, 1]
 * @param variant correct (nothing between the factors) or paper (ReLU + Dropout between them)
 */
public record FactorizeJob(Path model, String layer, Integer rank, Double energy, String variant, int finetuneEpochs, Path out,
                           DataConfig data, TuneConfig tune) implements Job<ResultRow> {
    public FactorizeJob {
        if (rank != null && energy != null) throw new IllegalArgumentException("give --rank or --energy, not both");
        if (rank == null && energy == null) rank = 6;
        if (rank != null && rank <= 0) throw new IllegalArgumentException("--rank must be > 0, got " + rank);
        if (energy != null && !(energy > 0 && energy <= 1)) throw new IllegalArgumentException("--energy must be in (0, 1], got " + energy);
        if (!"correct".equals(variant) && !"paper".equals(variant)) throw new IllegalArgumentException("--variant must be correct or paper, got " + variant);
        if (finetuneEpochs < 0) throw new IllegalArgumentException("--finetune-epochs must be ≥ 0, got " + finetuneEpochs);
    }

    @Override
    public ResultRow run(JobListener listener) throws IOException {
        Variant v = variant.equals("paper") ? Variant.PAPER_RELU_BETWEEN : Variant.CORRECT;
        ModelFile.Loaded base = Inputs.model("--model", model);
        Module net = base.network();   // any network a model file describes (zoo, adapters, CAE)
        String path = layer == null ? LowRank.firstLinear(net) : layer;
        ModuleTree.get(net, path);   // unknown names fail here, listing the layers
        CompressionSteps steps = new CompressionSteps(data, tune, out, listener);

        long t0 = System.nanoTime();
        Factorized f = energy != null ? LowRank.factorizeByEnergy(net, path, energy, v) : LowRank.factorize(net, path, rank, v);
        double compressSeconds = CompressionSteps.since(t0);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("method", "factorize");
        summary.put("layer", path);
        summary.put("rank", f.recipe().get("rank"));
        if (energy != null) summary.put("energy", energy);
        summary.put("variant", variant);
        summary.put("finetune_epochs", finetuneEpochs);
        ModelInfo info = base.info().withCompression(summary).withProvenance(CompressionSteps.provenance(base.info(), model));
        double trainSeconds = 0;
        if (finetuneEpochs > 0) {
            CompressionSteps.Trained t = steps.train(net, info, finetuneEpochs, 1e-3f, null);
            net = t.model();
            trainSeconds = t.seconds();
        }
        return steps.finish(net, info, summary, compressSeconds, trainSeconds);
    }
}
