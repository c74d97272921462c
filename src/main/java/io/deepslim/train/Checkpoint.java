package io.deepslim.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.io.ModelFormatException;
import io.deepslim.io.SafeTensors;
import io.deepslim.io.SafeTensorsWriter;
import io.deepslim.nn.Module;
import io.deepslim.optim.Optimizer;
import io.deepslim.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A resumable training state in one safetensors file (written atomically): the model's state
 * under {@code model.*}, the optimizer's state under {@code optim.<i>}, and a JSON document with
 * the epoch, the early-stopping bookkeeping, the history and the run fingerprint. Reading checks
 * every field and tensor, so a damaged checkpoint is refused in one line naming what is wrong.
 */
final class Checkpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String META = "deepslim_checkpoint";
    private static final String FIX = "; delete it or use another --out folder to start over";

    private Checkpoint() {}

    /**
     * The bookkeeping of a checkpoint written after epoch index {@code epoch} (0-based): best epoch
     * (-1: none yet), best validation accuracy (-1: none), epochs without improvement, training seconds,
     * optimizer steps, run fingerprint, and one history row per epoch run so far.
     */
    record State(int epoch, int bestEpoch, double bestAcc, int badEpochs, double seconds, long optimizerSteps,
                 Map<String, Object> fingerprint, List<Map<String, Object>> history) {}

    static void save(Path file, Module model, Optimizer opt, Map<String, Object> state) throws IOException {
        SafeTensorsWriter w = SafeTensors.writer();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) w.add("model." + e.getKey(), e.getValue().shape(), e.getValue().toFloatArray());
        List<Tensor> os = opt.state();
        for (int i = 0; i < os.size(); i++) w.add("optim." + i, os.get(i).shape(), os.get(i).toFloatArray());
        w.metadata(META, JSON.writeValueAsString(state));
        w.write(file);
    }

    /** Reads and checks the JSON state of a checkpoint without touching model or optimizer. */
    static State readState(Path file) throws IOException {
        JsonNode st;
        try (SafeTensors sf = SafeTensors.open(file)) {
            String json = sf.metadata().get(META);
            if (json == null) throw new ModelFormatException(file + ": not a deepslim checkpoint (no " + META + " metadata)" + FIX);
            st = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw bad(file, "its state is not JSON (" + e.getOriginalMessage() + ")");
        }
        if (st == null || !st.isObject()) throw bad(file, "its state is not a JSON object");
        int epoch = (int) whole(file, st, "epoch", 0, 1_000_000);
        int bestEpoch = (int) whole(file, st, "best_epoch", -1, epoch);
        double bestAcc = real(file, st, "best_acc", -1, 1, "-1 (none yet) or an accuracy in [0, 1]");
        int badEpochs = (int) whole(file, st, "bad_epochs", 0, epoch + 1);
        double seconds = real(file, st, "seconds", 0, Double.MAX_VALUE, "a number of seconds ≥ 0");
        long steps = whole(file, st, "optimizer_steps", 0, Long.MAX_VALUE);
        JsonNode fp = st.get("fingerprint");
        if (fp == null || !fp.isObject()) throw field(file, "fingerprint", fp, "an object of run settings");
        JsonNode h = st.get("history");
        if (h == null || !h.isArray() || h.size() != epoch + 1) {
            Object was = h == null ? null : h.isArray() ? "a list of " + h.size() + " rows" : h;
            throw field(file, "history", was, "a list of " + (epoch + 1) + " epoch rows");
        }
        List<Map<String, Object>> history = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            JsonNode row = h.get(i), e = row.get("epoch");
            if (!row.isObject() || e == null || !e.isIntegralNumber() || e.asLong() != i + 1) {
                throw field(file, "history", "row " + i + " = " + clip(row), "an object with \"epoch\": " + (i + 1));
            }
            @SuppressWarnings("unchecked") Map<String, Object> m = JSON.convertValue(row, Map.class);
            history.add(m);
        }
        @SuppressWarnings("unchecked") Map<String, Object> fingerprint = JSON.convertValue(fp, Map.class);
        return new State(epoch, bestEpoch, bestAcc, badEpochs, seconds, steps, fingerprint, history);
    }

    /** Restores model and optimizer tensors; names, F32 dtype and sizes must match exactly, nothing extra. */
    static void restore(Path file, Module model, Optimizer opt) throws IOException {
        try (SafeTensors st = SafeTensors.open(file)) {
            Set<String> expected = new HashSet<>();
            for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) expected.add(copy(file, st, "model." + e.getKey(), e.getValue()));
            List<Tensor> os = opt.state();
            for (int i = 0; i < os.size(); i++) expected.add(copy(file, st, "optim." + i, os.get(i)));
            for (String n : st.names()) {
                if (!expected.contains(n)) throw bad(file, "tensor " + n + " belongs to no model parameter or optimizer slot of this run");
            }
        }
    }

    private static String copy(Path file, SafeTensors st, String name, Tensor dst) throws ModelFormatException {
        if (!st.contains(name)) throw bad(file, "tensor " + name + " is missing");
        SafeTensors.Entry e = st.entry(name);
        if (e.dtype() != SafeTensors.Dtype.F32) throw bad(file, "tensor " + name + " is " + e.dtype() + ", expected F32");
        if (e.numel() != dst.numel()) throw bad(file, "tensor " + name + " has " + e.numel() + " elements, expected " + dst.numel());
        dst.copyFrom(st.floats(name));
        return name;
    }

    /** A whole number field in [lo, hi]. */
    private static long whole(Path file, JsonNode st, String name, long lo, long hi) throws ModelFormatException {
        JsonNode v = st.get(name);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < lo || v.asLong() > hi) {
            throw field(file, name, v, "a whole number in [" + lo + ", " + (hi == Long.MAX_VALUE ? "∞" : hi) + "]");
        }
        return v.asLong();
    }

    /** A finite number field in [lo, hi]. */
    private static double real(Path file, JsonNode st, String name, double lo, double hi, String expected) throws ModelFormatException {
        JsonNode v = st.get(name);
        if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() < lo || v.asDouble() > hi) {
            throw field(file, name, v, expected);
        }
        return v.asDouble();
    }

    private static ModelFormatException field(Path file, String name, Object value, String expected) {
        String was = value == null ? "missing" : "is " + clip(value);
        return bad(file, "field '" + name + "' " + was + ", expected " + expected);
    }

    private static String clip(Object v) {
        String s = String.valueOf(v);
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    private static ModelFormatException bad(Path file, String what) {
        return new ModelFormatException(file + ": damaged checkpoint: " + what + FIX);
    }
}
