package io.deepslim.workflow;

import io.deepslim.compress.prune.FilterPruning;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.nn.Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * L1 pruning (local, global or structured), optionally fine-tuned with the masks held; writes the
 * model to {@code out} and its row to {@code <out>.json}.
 *
 * @param method         local (every layer loses the same fraction), global (one threshold) or structured (whole filters)
 * @param amount         fraction removed, in (0, 1)
 * @param norm           filter norm for structured pruning: l1 or l2
 * @param finetuneEpochs fine-tuning epochs afterwards (0 = none)
 */
public record PruneJob(Path model, String method, double amount, String norm, int finetuneEpochs, Path out,
                       DataConfig data, TuneConfig tune) implements Job<ResultRow> {
    public PruneJob {
        if (!(amount > 0 && amount < 1)) throw new IllegalArgumentException("--amount must be in (0, 1), got " + amount);
        if (!List.of("local", "global", "structured").contains(method)) {
            throw new IllegalArgumentException("--method must be local, global or structured, got " + method);
        }
        if (!"l1".equals(norm) && !"l2".equals(norm)) throw new IllegalArgumentException("--norm must be l1 or l2, got " + norm);
        if (finetuneEpochs < 0) throw new IllegalArgumentException("--finetune-epochs must be ≥ 0, got " + finetuneEpochs);
    }

    /** Local L1 pruning keeping {@code keepPercent}% of the weights, fine-tuned for {@code finetuneEpochs}. */
    public static PruneJob local(Path model, int keepPercent, int finetuneEpochs, Path out, DataConfig data, TuneConfig tune) {
        return new PruneJob(model, "local", 1 - keepPercent / 100.0, "l1", finetuneEpochs, out, data, tune);
    }

    @Override
    public ResultRow run(JobListener listener) throws IOException {
        ModelFile.Loaded base = Inputs.model("--model", model);
        CompressionSteps steps = new CompressionSteps(data, tune, out, listener);
        long t0 = System.nanoTime();
        Module net = base.network();   // any network a model file describes (zoo, adapters, CAE)
        switch (method) {
            case "local" -> Pruning.l1Local(net, amount);
            case "global" -> Pruning.l1Global(net, amount);
            default -> FilterPruning.prune(net, amount, norm.equals("l1") ? FilterPruning.Norm.L1 : FilterPruning.Norm.L2);
        }
        double compressSeconds = CompressionSteps.since(t0);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("method", "prune");
        summary.put("pruning", method);
        if (method.equals("structured")) summary.put("norm", norm);
        summary.put("amount", amount);
        summary.put("keep_percent", ResultRow.round(100 * (1 - amount)));
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
