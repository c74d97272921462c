package io.deepslim.workflow;

import io.deepslim.data.DataLoader;
import io.deepslim.data.LoaderConfig;
import io.deepslim.data.Sample;
import io.deepslim.data.SkipLog;
import io.deepslim.data.TransformConfig;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.train.DataSpec;
import io.deepslim.train.TrainConfig;
import io.deepslim.train.Trainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a zoo model from scratch, validating every epoch; writes model.safetensors (best
 * validation accuracy), checkpoint.safetensors and train.jsonl into {@code out}.
 *
 * @param size    input size S (S×S, a positive multiple of 32)
 * @param augment none, flip, or cnndetection (flip + blur + JPEG, p=0.5)
 * @param resume  continue from {@code out}/checkpoint.safetensors (must be the same run)
 */
public record TrainJob(DataConfig data, String arch, int size, TrainConfig config, String augment, Path out, boolean resume, String device)
        implements Job<TrainJob.Result> {
    /** The trainer's result plus the data it saw. */
    public record Result(Trainer.Result fit, int trainImages, int valImages, int skippedImages) {}

    public TrainJob {
        if (!Zoo.NAMES.contains(arch)) throw new IllegalArgumentException("unknown architecture '" + arch + "'; known: " + Zoo.NAMES);
        if (size <= 0 || size % 32 != 0) throw new IllegalArgumentException("--size must be a positive multiple of 32, got " + size);
        if (!List.of("none", "flip", "cnndetection").contains(augment)) {
            throw new IllegalArgumentException("--augment must be none, flip or cnndetection, got " + augment);
        }
        if (out == null) throw new IllegalArgumentException("--out is required");
    }

    /** On the CPU. */
    public TrainJob(DataConfig data, String arch, int size, TrainConfig config, String augment, Path out, boolean resume) {
        this(data, arch, size, config, augment, out, resume, "cpu");
    }

    @Override
    public Result run(JobListener listener) throws IOException {
        Inputs.requireFolderOrAbsent("--out", out);
        io.deepslim.backend.Device dev = io.deepslim.engine.Devices.forUser(device == null ? "cpu" : device);
        TransformConfig trainTf = switch (augment) {
            case "none" -> TransformConfig.eval(size);
            case "flip" -> TransformConfig.eval(size).withFlip(0.5);
            default -> TransformConfig.cnnDetection(size, 0.5);
        };
        DataSpec spec = data.spec(config.seed());
        List<List<Sample>> tv = spec.trainVal();
        Map<String, Object> fp = new LinkedHashMap<>();
        fp.put("arch", arch);
        fp.put("input_size", size);
        fp.putAll(spec.fingerprint());
        fp.put("augment", augment);
        ZooNet net = Zoo.create(arch, size, 2, config.seed());
        net.to(dev); // batches follow the model's device (Trainer, Evaluator)
        ModelInfo info = ModelInfo.of(arch, size);
        listener.log(String.format("train: %s @%d on %d images (%d validation) from %s%s", arch, size, tv.get(0).size(), tv.get(1).size(), data.data(),
                dev.isHost() ? "" : " on " + dev.backend().name()));
        SkipLog skips = new SkipLog(listener::log);
        try (DataLoader train = spec.loader(tv.get(0), trainTf, LoaderConfig.training(config.batchSize(), config.seed()), skips);
             DataLoader val = spec.loader(tv.get(1), TransformConfig.eval(size), LoaderConfig.evaluation(config.batchSize()), skips)) {
            Trainer.Result r = new Trainer(config, out, fp).withListener(listener).fit(net, info, train, val, resume);
            return new Result(r, tv.get(0).size(), tv.get(1).size(), skips.count());
        }
    }
}
