package io.deepslim.nn;

import io.deepslim.autograd.GradMode;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A layer or a network: named parameters, buffers and child modules, in registration order, so
 * that {@link #stateDict()} produces PyTorch's names and order (own parameters, own buffers, then
 * children, joined with dots).
 */
public abstract class Module {
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Computes the module's output. */
    public abstract Tensor forward(Tensor x);

    /** Registers a trainable parameter (marked requiresGrad). */
    protected Tensor param(String name, Tensor t) {
        params.put(name, t.requiresGrad(true));
        return t;
    }

    /** Registers a non-trainable state tensor (e.g. running statistics). */
    protected Tensor buffer(String name, Tensor t) {
        buffers.put(name, t);
        return t;
    }

    /** Registers a child module. */
    protected <M extends Module> M child(String name, M m) {
        children.put(name, m);
        return m;
    }

    /** Replaces a registered parameter's tensor (compression swaps representations this way). */
    protected void replaceParam(String name, Tensor t) {
        if (!params.containsKey(name)) throw new IllegalArgumentException("no parameter " + name);
        params.put(name, t);
    }

    /**
     * Re-registers parameter {@code from} under {@code to}, moved to the end of the order (as
     * PyTorch's pruning does with {@code weight} → {@code weight_orig}); the tensor is unchanged.
     */
    protected void renameParam(String from, String to) {
        Tensor t = params.remove(from);
        if (t == null) throw new IllegalArgumentException("no parameter " + from);
        if (params.containsKey(to)) throw new IllegalArgumentException("parameter " + to + " already exists");
        params.put(to, t);
    }

    /** Replaces a registered child (module swap, e.g. Linear → Int8Linear). */
    public void replaceChild(String name, Module m) {
        if (!children.containsKey(name)) throw new IllegalArgumentException("no child module " + name + " in " + getClass().getSimpleName());
        children.put(name, m);
    }

    public Map<String, Module> children() { return java.util.Collections.unmodifiableMap(children); }

    /** This module and all its descendants, depth first, with dotted names ("" for this one). */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        walk("", out);
        return out;
    }

    private void walk(String name, Map<String, Module> out) {
        out.put(name, this);
        children.forEach((k, m) -> m.walk(name.isEmpty() ? k : name + "." + k, out));
    }

    /** Parameters with dotted names, recursively. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, false);
        return out;
    }

    public List<Tensor> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Parameters that currently require a gradient (not frozen). */
    public List<Tensor> trainableParameters() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : namedParameters().values()) if (t.requiresGrad()) out.add(t);
        return out;
    }

    /** Parameters and buffers with PyTorch state_dict names and order. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean withBuffers) {
        params.forEach((k, v) -> out.put(prefix + k, v));
        if (withBuffers) buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collect(prefix + k + ".", out, withBuffers));
    }

    /**
     * Copies values from {@code state} into this module's tensors. With {@code strict}, missing
     * or unexpected names are an error; shapes must always match.
     */
    public void loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        for (String k : own.keySet()) if (!state.containsKey(k)) missing.add(k);
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new IllegalArgumentException("loadStateDict: missing " + missing + ", unexpected " + unexpected);
        }
        try (GradMode g = GradMode.off()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src == null) continue;
                Tensor dst = e.getValue();
                if (src.numel() != dst.numel() || (src.dim() != 0 && !Arrays.equals(src.shape(), dst.shape()))) {
                    throw new IllegalArgumentException("loadStateDict: " + e.getKey() + " has shape " + Shape.str(src.shape())
                            + ", the module expects " + Shape.str(dst.shape()));
                }
                dst.copyFrom(src);
            }
        }
    }

    /**
     * Moves every parameter and buffer (this module and its children) to {@code device}, in place,
     * and returns this module. Tensors already there are left alone.
     */
    /** The device of this module's first parameter or buffer (the CPU device when it holds none). */
    public io.deepslim.backend.Device device() {
        for (Tensor t : stateDict().values()) return t.device();
        return io.deepslim.engine.Devices.cpu();
    }

    public Module to(io.deepslim.backend.Device device) {
        for (Tensor t : stateDict().values()) t.moveTo(device);
        return this;
    }

    /** Sets training mode here and in every child (affects BatchNorm and Dropout). */
    public Module train(boolean on) {
        training = on;
        children.values().forEach(m -> m.train(on));
        return this;
    }

    public Module eval() { return train(false); }

    public boolean isTraining() { return training; }

    /** Freezes (or unfreezes) every parameter whose dotted name matches the regular expression. */
    public int setTrainable(String regex, boolean trainable) {
        Predicate<String> p = Pattern.compile(regex).asMatchPredicate();
        int n = 0;
        for (Map.Entry<String, Tensor> e : namedParameters().entrySet()) {
            if (p.test(e.getKey())) {
                e.getValue().requiresGrad(trainable);
                n++;
            }
        }
        return n;
    }

    /** Number of scalar parameters. */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : namedParameters().values()) n += t.numel();
        return n;
    }

    /** Short description of this layer's own configuration (e.g. "3→64, k3, s1, p1"). */
    protected String describe() { return ""; }

    /** A readable tree: one line per module with its configuration and parameter count. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        summary("", "", sb);
        sb.append(String.format("total parameters: %,d%n", parameterCount()));
        return sb.toString();
    }

    private void summary(String name, String indent, StringBuilder sb) {
        long own = 0;
        for (Tensor t : params.values()) own += t.numel();
        sb.append(indent).append(name.isEmpty() ? "" : name + ": ").append(getClass().getSimpleName());
        String d = describe();
        if (!d.isEmpty()) sb.append('(').append(d).append(')');
        if (own > 0) sb.append(String.format("  [%,d params]", own));
        sb.append('\n');
        children.forEach((k, m) -> m.summary(k, indent + "  ", sb));
    }
}
