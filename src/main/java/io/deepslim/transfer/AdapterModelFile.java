package io.deepslim.transfer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelFormatException;
import io.deepslim.io.ModelInfo;
import io.deepslim.io.SafeTensors;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Interim model files for zoo models with adapters, until the model-file module tree of the
 * seams-model work lands (then {@link Adapter#TYPE} is registered there and this class goes):
 * the full state_dict (pruned layers baked: orig ⊙ mask, zeros kept) under PyTorch names, and
 * the usual deepslim metadata whose provenance lists {@code "adapters": [after, …]}.
 */
public final class AdapterModelFile {
    /** Provenance key listing the blocks each adapter follows. */
    public static final String KEY = "adapters";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdapterModelFile() {}

    /** Writes {@code net} (atomically, through a temporary file) with its adapters listed in the provenance. */
    public static void save(ZooNet net, ModelInfo info, Path file) throws IOException {
        Pruning.bake(net);
        List<String> after = new ArrayList<>();
        List<String> f = net.featureNames();
        for (int i = 1; i < f.size(); i++) if (net.children().get(f.get(i)) instanceof Adapter) after.add(f.get(i - 1));
        Map<String, Object> prov = new LinkedHashMap<>(info.provenance());
        prov.put(KEY, after);
        // an unwrapped ModelFile.save would route a non-zoo-shaped model to the compressed form: write the plain form here
        Path dense = Files.createTempFile(file.toAbsolutePath().getParent(), ".adapter", ".tmp");
        try {
            ZooNet plain = Zoo.create(net.arch(), net.inputSize(), net.numClasses(), 0);
            plain.loadStateDict(withoutAdapters(net.stateDict()), true);
            ModelFile.save(plain, info.withProvenance(prov), dense);
            try (SafeTensors st = SafeTensors.open(dense)) {
                var w = SafeTensors.writer();
                for (String n : st.names()) {
                    if (n.endsWith("num_batches_tracked")) w.add(n, st.entry(n).intShape(), st.longs(n));
                    else w.add(n, st.entry(n).intShape(), st.floats(n));
                }
                for (Map.Entry<String, Tensor> e : net.stateDict().entrySet()) {
                    if (!e.getKey().startsWith(Adapters.nameAfter(""))) continue;
                    if (e.getKey().endsWith("num_batches_tracked")) w.add(e.getKey(), e.getValue().shape(), new long[]{(long) e.getValue().item()});
                    else w.add(e.getKey(), e.getValue().shape(), e.getValue().toFloatArray());
                }
                st.metadata().forEach(w::metadata);
                w.write(file);
            }
        } finally {
            Files.deleteIfExists(dense);
        }
    }

    private static Map<String, Tensor> withoutAdapters(Map<String, Tensor> sd) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        sd.forEach((k, v) -> {
            if (!k.startsWith(Adapters.nameAfter(""))) out.put(k, v);
        });
        return out;
    }

    /** Loads a file written by {@link #save}, or any plain model file (no adapters listed). */
    public static ModelFile.Loaded load(Path file) throws IOException {
        ModelInfo info = ModelFile.readInfo(file);
        Object listed = info.provenance().get(KEY);
        if (!(listed instanceof List<?> after) || after.isEmpty()) return ModelFile.load(file);
        ZooNet net = Zoo.create(info.arch(), info.inputSize(), info.numClasses(), 0);
        for (Object a : after) Adapters.insert(net, String.valueOf(a), 0);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(file)) {
            for (String n : st.names()) sd.put(n, Tensor.of(st.floats(n), st.entry(n).intShape()));
        }
        try {
            net.loadStateDict(sd, true);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": adapter model does not match its metadata: " + e.getMessage());
        }
        net.eval();
        return new ModelFile.Loaded(net, info);
    }
}
