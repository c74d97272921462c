package io.deepslim.transfer;

import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.ZooNet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Model helpers of the transfer suite. */
final class Models {
    private Models() {}

    /**
     * An independent copy of {@code net} (dense or compressed) through the model file format, so
     * whatever the format stores (masks, codes) comes along.
     */
    static ZooNet copy(ZooNet net) {
        try {
            Path tmp = Files.createTempFile("deepslim-copy", ".safetensors");
            try {
                ModelFile.save(net, ModelInfo.of(net.arch(), net.inputSize()), tmp);
                ZooNet c = ModelFile.load(tmp).model();
                c.train(net.isTraining());
                return c;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy the model", e);
        }
    }
}
