package io.deepslim.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.io.ModelFormatException;
import io.deepslim.io.SafeTensors;
import io.deepslim.io.SafeTensorsWriter;
import io.deepslim.nn.Module;
import io.deepslim.optim.Optimizer;
import io.deepslim.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A resumable training state in one safetensors file (written atomically): the model's state
 * under {@code model.*}, the optimizer's state under {@code optim.<i>}, and a JSON document with
 * the epoch, the early-stopping bookkeeping, the history and the run fingerprint.
 */
final class Checkpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String META = "deepslim_checkpoint";

    private Checkpoint() {}

    static void save(Path file, Module model, Optimizer opt, Map<String, Object> state) throws IOException {
        SafeTensorsWriter w = SafeTensors.writer();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) w.add("model." + e.getKey(), e.getValue().shape(), e.getValue().toFloatArray());
        List<Tensor> os = opt.state();
        for (int i = 0; i < os.size(); i++) w.add("optim." + i, os.get(i).shape(), os.get(i).toFloatArray());
        w.metadata(META, JSON.writeValueAsString(state));
        w.write(file);
    }

    /** Reads the JSON state of a checkpoint without touching model or optimizer. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readState(Path file) throws IOException {
        try (SafeTensors st = SafeTensors.open(file)) {
            String json = st.metadata().get(META);
            if (json == null) throw new ModelFormatException(file + ": not a deepslim checkpoint");
            return JSON.readValue(json, Map.class);
        }
    }

    /** Restores model and optimizer tensors; shapes must match exactly. */
    static void restore(Path file, Module model, Optimizer opt) throws IOException {
        try (SafeTensors st = SafeTensors.open(file)) {
            for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) copy(file, st, "model." + e.getKey(), e.getValue());
            List<Tensor> os = opt.state();
            for (int i = 0; i < os.size(); i++) copy(file, st, "optim." + i, os.get(i));
        }
    }

    private static void copy(Path file, SafeTensors st, String name, Tensor dst) throws ModelFormatException {
        if (!st.contains(name) || st.entry(name).numel() != dst.numel()) {
            throw new ModelFormatException(file + ": checkpoint tensor " + name + " is missing or has the wrong size");
        }
        dst.copyFrom(st.floats(name));
    }
}
