package io.deepslim.cli;

import io.deepslim.autograd.GradMode;
import io.deepslim.data.BadImageException;
import io.deepslim.data.ImageDecoder;
import io.deepslim.data.Preprocessor;
import io.deepslim.data.TransformConfig;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import io.deepslim.workflow.Inputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** `deepslim predict`: class probabilities of single images. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Prints, for each image, the predicted class and the probability that it is fake.",
                "Unreadable images are reported and skipped; the exit code is 1 if any was.", "",
                "Example:",
                "  deepslim predict --model runs/vgg-tconv/model.safetensors photo1.png photo2.jpg"})
public final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Model file (.safetensors).")
    Path model;

    @Option(names = "--threshold", defaultValue = "0.5", description = "Call an image fake when p_fake ≥ this, in [0, 1]. Default: ${DEFAULT-VALUE}.")
    double threshold;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files (JPEG, PNG, BMP).")
    List<Path> images;

    @picocli.CommandLine.Mixin DeviceOptions device = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        if (!(threshold >= 0 && threshold <= 1)) throw new IllegalArgumentException("--threshold must be a probability in [0, 1], got " + threshold);
        io.deepslim.backend.Device dev = device.resolve();
        ModelFile.Loaded m = Inputs.model("--model", model);
        // the deployed graph: fused on the CPU (as Detector and serve run it), the plain module on a GPU
        io.deepslim.nn.Module net = io.deepslim.infer.InferenceFusion.forInference(m.network(), dev);
        ModelInfo info = m.info();
        Preprocessor pre = new Preprocessor(TransformConfig.eval(info.inputSize()).withNormalization(info.mean(), info.std()), new ImageDecoder());
        int s = info.inputSize(), failed = 0;
        float[] buf = new float[3 * s * s];
        System.out.println("image\tclass\tp_fake");
        for (Path img : images) {
            try {
                pre.load(img, new SplittableRandom(0), buf, 0);
            } catch (BadImageException e) {
                System.err.println("skipped " + img + ": " + e.getMessage());
                failed++;
                continue;
            }
            try (GradMode g = GradMode.off(); TensorScope sc = TensorScope.open()) {
                float[] p = Ops.softmax(net.forward(Tensor.of(dev, buf, 1, 3, s, s)), 1).toFloatArray();
                float fake = p[1];
                System.out.printf("%s\t%s\t%.4f%n", img, info.classNames().get(fake >= threshold ? 1 : 0), fake);
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
