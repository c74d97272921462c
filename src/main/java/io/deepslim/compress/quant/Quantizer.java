package io.deepslim.compress.quant;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.ModuleTree;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Int8 quantization of a model by module swap, in place (copy the model first to keep the float
 * one). {@link #dynamicLinear} is the paper's method (PyTorch quantize_dynamic on Linear);
 * {@link #staticConv} goes beyond it: convolutions get int8 inputs whose scale and zero point are
 * fixed by observing N calibration batches.
 */
public final class Quantizer {
    private Quantizer() {}

    /** Swaps every Linear for a dynamic {@link Int8Linear}; returns how many. */
    public static int dynamicLinear(Module model, Granularity g) {
        List<String> paths = ModuleTree.pathsOf(model, Linear.class);
        for (String p : paths) ModuleTree.replace(model, p, Int8Linear.fromFloat((Linear) ModuleTree.get(model, p), g));
        return paths.size();
    }

    /** Swaps every Conv2d for a static {@link Int8Conv2d} calibrated on {@code batches}; returns how many. */
    public static int staticConv(Module model, List<Tensor> batches, Granularity g, Supplier<Observer> observer) {
        Map<String, QParams> q = calibrate(model, batches, ModuleTree.pathsOf(model, Conv2d.class), observer);
        q.forEach((p, qp) -> ModuleTree.replace(model, p, Int8Conv2d.fromFloat((Conv2d) ModuleTree.get(model, p), g, qp)));
        return q.size();
    }

    /** Everything int8: convolutions static (calibrated), Linear layers dynamic. Returns layers swapped. */
    public static int all(Module model, List<Tensor> batches, Granularity g, Supplier<Observer> observer) {
        return staticConv(model, batches, g, observer) + dynamicLinear(model, g);
    }

    /**
     * Runs {@code batches} through {@code model} (eval mode, no gradients) and returns the input
     * quantization of each layer in {@code paths}. The model is left as it was.
     */
    public static Map<String, QParams> calibrate(Module model, List<Tensor> batches, List<String> paths, Supplier<Observer> observer) {
        checkBatches(model, batches);
        Map<String, Observer> obs = new LinkedHashMap<>();
        Map<String, Module> originals = new LinkedHashMap<>();
        for (String p : paths) {
            Module m = ModuleTree.get(model, p);
            Observer o = observer.get();
            obs.put(p, o);
            originals.put(p, m);
            ModuleTree.replace(model, p, new Observing(m, o));
        }
        boolean training = model.isTraining();
        try (GradMode g = GradMode.off()) {
            model.eval();
            for (Tensor b : batches) {
                try (TensorScope s = TensorScope.open()) {
                    model.forward(b);
                }
            }
        } finally {
            originals.forEach((p, m) -> ModuleTree.replace(model, p, m));
            model.train(training);
        }
        Map<String, QParams> out = new LinkedHashMap<>();
        obs.forEach((p, o) -> out.put(p, o.qparams()));
        return out;
    }

    /** Calibration data must be non-empty F32 (N, C, H, W) batches of one image shape (the model's, for a ZooNet). */
    static void checkBatches(Module model, List<Tensor> batches) {
        if (batches == null || batches.isEmpty()) throw new IllegalArgumentException("calibration needs at least one batch");
        int[] first = batches.get(0).shape();
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            Tensor b = batches.get(i);
            int[] s = b.shape();
            boolean ok = b.dtype() == DType.F32 && s.length == 4 && s[0] > 0 && first.length == 4
                    && s[1] == first[1] && s[2] == first[2] && s[3] == first[3];
            if (ok && model instanceof ZooNet) {
                ZooNet z = (ZooNet) model;
                ok = s[1] == 3 && s[2] == z.inputSize() && s[3] == z.inputSize();
            }
            if (!ok) bad.add("batch " + i + " " + Shape.str(s) + " " + b.dtype());
        }
        if (!bad.isEmpty()) {
            String want = model instanceof ZooNet ? "(N, 3, " + ((ZooNet) model).inputSize() + ", " + ((ZooNet) model).inputSize() + ") F32"
                    : "F32 (N, C, H, W) with the same C, H, W as batch 0";
            throw new IllegalArgumentException("calibration batches of the wrong shape: expected " + want + ", got " + bad);
        }
    }

    /** Records its input, then runs the wrapped layer. */
    private static final class Observing extends Module {
        private final Module inner;
        private final Observer observer;

        Observing(Module inner, Observer observer) {
            this.inner = child("inner", inner);   // registered so that eval() reaches it
            this.observer = observer;
        }

        @Override
        public Tensor forward(Tensor x) {
            observer.observe(x);
            return inner.forward(x);
        }
    }
}
