package io.deepslim.models;

import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;

import java.util.List;
import java.util.Random;

/**
 * The detectors of the paper (PAPER.md §1.1), with PyTorch module names: each {@code layerK} is
 * Sequential(Conv2d, BatchNorm2d, ReLU[, MaxPool2d]) — depthwise-separable blocks add a 1x1 conv
 * after the 3x3 one — and each head is Sequential(Dropout, Linear, ReLU) or Sequential(Linear).
 */
public final class Zoo {
    private Zoo() {}

    /** Architecture names accepted by {@link #create}. */
    public static final List<String> NAMES = List.of("vgg45m", "student40", "student30", "student20", "student10");

    /** {@link #create(String, int, int, long)} with the parameters on {@code device} (the no-device form uses Devices.cpu()). */
    public static ZooNet create(String name, int inputSize, int numClasses, long seed, io.deepslim.backend.Device device) {
        ZooNet net = create(name, inputSize, numClasses, seed);
        net.to(device);
        return net;
    }

    /** Builds {@code name} for S×S RGB input (S divisible by 32) with PyTorch default initialization. */
    public static ZooNet create(String name, int inputSize, int numClasses, long seed) {
        if (inputSize <= 0 || inputSize % 32 != 0) {
            throw new IllegalArgumentException(name + ": input size must be a positive multiple of 32, got " + inputSize);
        }
        if (numClasses < 2) throw new IllegalArgumentException(name + ": needs at least 2 classes, got " + numClasses);
        Random rng = new Random(seed);
        ZooNet net = new ZooNet(name, inputSize, numClasses);
        int s = inputSize / 32;
        switch (name) {
            case "vgg45m":
                // channels and pooling of layer1..layer8
                convs(net, rng, new int[]{3, 64, 64, 128, 128, 256, 256, 512, 128}, new boolean[]{false, true, false, true, false, true, true, true});
                net.addHead("fc", hidden(rng, seed, 128 * s * s, 256));
                net.addHead("fc1", hidden(rng, seed + 1, 256, 256));
                net.addHead("fc2", new Sequential(new Linear(rng, 256, numClasses)));
                break;
            case "student40":
                convs(net, rng, new int[]{3, 32, 64, 128, 256, 128, 128, 128}, new boolean[]{true, true, true, true, true, false, false});
                net.addHead("fc", hidden(rng, seed, 128 * s * s, 128));
                net.addHead("fc1", hidden(rng, seed + 1, 128, 128));
                net.addHead("fc2", new Sequential(new Linear(rng, 128, numClasses)));
                break;
            case "student30":
                convs(net, rng, new int[]{3, 32, 64, 128, 128, 128, 128}, new boolean[]{true, true, true, true, true, false});
                net.addHead("fc", hidden(rng, seed, 128 * s * s, 128));
                net.addHead("fc2", new Sequential(new Linear(rng, 128, numClasses)));
                break;
            case "student20":
                convs(net, rng, new int[]{3, 32, 64, 128, 128, 128, 64, 64}, new boolean[]{true, true, true, true, true, false, false});
                net.addHead("fc", hidden(rng, seed, 64 * s * s, 128));
                net.addHead("fc2", new Sequential(new Linear(rng, 128, numClasses)));
                break;
            case "student10":
                separable(net, rng, 1, 3, 32, 32, 1);
                separable(net, rng, 2, 32, 64, 64, 32);
                separable(net, rng, 3, 64, 64, 64, 64);
                separable(net, rng, 4, 64, 128, 128, 64);
                separable(net, rng, 5, 128, 128, 64, 128);
                net.addHead("fc", hidden(rng, seed, 64 * s * s, 128));
                net.addHead("fc1", new Sequential(new Linear(rng, 128, numClasses)));
                break;
            default:
                throw new IllegalArgumentException("unknown architecture '" + name + "'; known: " + NAMES);
        }
        return net;
    }

    /**
     * The module tree of {@code name} at S×S input with {@code numClasses} outputs, without
     * building the network at that size: the tree of a 32-pixel, two-class build with the first
     * head Linear's inputs scaled by (S/32)² and the last Linear's outputs set. Reading old files
     * and bare PyTorch state_dicts goes through this, so their tensors are checked before the
     * network is built.
     */
    public static ModuleSpec spec(String name, int inputSize, int numClasses) {
        if (!NAMES.contains(name)) throw new IllegalArgumentException("unknown architecture '" + name + "'; known: " + NAMES);
        if (inputSize < 32 || inputSize > 4096 || inputSize % 32 != 0) {
            throw new IllegalArgumentException(name + ": input size must be a multiple of 32 in [32, 4096], got " + inputSize);
        }
        if (numClasses < 2 || numClasses > 10_000) throw new IllegalArgumentException(name + ": classes must be in [2, 10000], got " + numClasses);
        ModuleSpec tiny = io.deepslim.tensor.TensorScope.unscoped(() -> LayerTypes.describe(create(name, 32, 2, 0)));
        tiny.args().put("input_size", inputSize);
        tiny.args().put("num_classes", numClasses);
        java.util.List<ModuleSpec> linears = new java.util.ArrayList<>();
        for (Object h : (java.util.List<?>) tiny.args().get("heads")) collectLinears(tiny.children().get((String) h), linears);
        long cells = (long) (inputSize / 32) * (inputSize / 32);
        ModuleSpec first = linears.get(0), last = linears.get(linears.size() - 1);
        first.args().put("in", Math.toIntExact(((Number) first.args().get("in")).longValue() * cells));
        last.args().put("out", numClasses);
        return tiny;
    }

    private static void collectLinears(ModuleSpec s, java.util.List<ModuleSpec> out) {
        if (s.type().equals("linear")) out.add(s);
        for (ModuleSpec c : s.children().values()) collectLinears(c, out);
    }

    private static void convs(ZooNet net, Random rng, int[] ch, boolean[] pool) {
        for (int i = 0; i < pool.length; i++) {
            Sequential block = new Sequential(new Conv2d(rng, ch[i], ch[i + 1]), new BatchNorm2d(ch[i + 1]), new Layers.ReLU());
            if (pool[i]) block.add(new Layers.MaxPool2d(2));
            net.addFeature("layer" + (i + 1), block);
        }
    }

    /**
     * Student10's block: a 3x3 conv (grouped: depthwise with channel multiplier out/groups, or
     * dense for the first block) followed by a pointwise conv, BN, ReLU and a 2x2 pool.
     */
    private static void separable(ZooNet net, Random rng, int index, int in, int spatialOut, int out, int groups) {
        Module block = new Sequential(
                new Conv2d(rng, in, spatialOut, 3, 1, 1, groups, true),
                new Conv2d(rng, spatialOut, out, 1, 1, 0, 1, true),
                new BatchNorm2d(out), new Layers.ReLU(), new Layers.MaxPool2d(2));
        net.addFeature("layer" + index, block);
    }

    private static Sequential hidden(Random rng, long seed, int in, int out) {
        return new Sequential(new Layers.Dropout(0.5f, seed * 31 + in), new Linear(rng, in, out), new Layers.ReLU());
    }
}
