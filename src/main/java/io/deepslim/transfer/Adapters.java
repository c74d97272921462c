package io.deepslim.transfer;

import io.deepslim.autograd.GradMode;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.List;

/** Inserting {@link Adapter}s into zoo models. */
public final class Adapters {
    private Adapters() {}

    /** Child name of an adapter placed after block {@code after}. */
    public static String nameAfter(String after) { return "adapter_" + after; }

    /**
     * The paper's placement (§4.3): after {@code layer4} (mid-network) for {@code vgg45m}, after the
     * last convolutional block for the shallow students.
     */
    public static String defaultPosition(ZooNet net) {
        List<String> f = net.featureNames();
        return net.arch().equals("vgg45m") && f.contains("layer4") ? "layer4" : f.get(f.size() - 1);
    }

    /**
     * Inserts a zero-initialized residual adapter after block {@code after} (null: the default
     * position); the model's outputs are unchanged until the adapter trains. Returns its name.
     */
    public static String insert(ZooNet net, String after, long seed) {
        String pos = after == null || after.isEmpty() ? defaultPosition(net) : after;
        if (!net.featureNames().contains(pos)) {
            throw new IllegalArgumentException("--adapter-after: no convolutional block '" + pos + "' in " + net.arch()
                    + "; blocks: " + net.featureNames());
        }
        int c = channelsAfter(net, pos);
        String name = nameAfter(pos);
        net.insertFeatureAfter(pos, name, new Adapter(c, seed));
        return name;
    }

    /** Output channels of feature block {@code block}, found by a forward pass of one zero image. */
    static int channelsAfter(ZooNet net, String block) {
        boolean wasTraining = net.isTraining();
        net.eval();
        try (TensorScope s = TensorScope.open(); GradMode g = GradMode.off()) {
            Tensor x = Tensor.zeros(1, 3, net.inputSize(), net.inputSize());
            for (String f : net.featureNames()) {
                x = net.children().get(f).forward(x);
                if (f.equals(block)) return x.size(1);
            }
        } finally {
            net.train(wasTraining);
        }
        throw new IllegalArgumentException("no block " + block);
    }

    /** Every adapter in {@code model}. */
    public static List<Adapter> of(Module model) {
        return model.namedModules().values().stream().filter(m -> m instanceof Adapter).map(m -> (Adapter) m).toList();
    }
}
