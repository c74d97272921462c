package io.deepslim.io;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model file says about its model besides the weights: architecture, input size,
 * normalization, class names, where it came from, and how it was compressed.
 */
public record ModelInfo(String arch, int inputSize, List<String> classNames, float[] mean, float[] std,
                        Map<String, Object> provenance, Map<String, Object> compression) {

    /** Defaults for a freshly built model: real/fake classes, ImageNet normalization, no provenance. */
    public static ModelInfo of(String arch, int inputSize) {
        return new ModelInfo(arch, inputSize, List.of("real", "fake"), new float[]{0.485f, 0.456f, 0.406f},
                new float[]{0.229f, 0.224f, 0.225f}, new LinkedHashMap<>(), new LinkedHashMap<>());
    }

    public int numClasses() { return classNames.size(); }

    public ModelInfo withProvenance(Map<String, Object> p) {
        return new ModelInfo(arch, inputSize, classNames, mean, std, p, compression);
    }

    public ModelInfo withCompression(Map<String, Object> c) {
        return new ModelInfo(arch, inputSize, classNames, mean, std, provenance, c);
    }

    public ModelInfo withNormalization(float[] m, float[] s) {
        return new ModelInfo(arch, inputSize, classNames, m, s, provenance, compression);
    }
}
