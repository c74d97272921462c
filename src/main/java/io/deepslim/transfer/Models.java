package io.deepslim.transfer;

import io.deepslim.io.ModelFile;
import io.deepslim.models.ZooNet;


/** Model helpers of the transfer suite. */
final class Models {
    private Models() {}

    /**
     * An independent copy of {@code net} (dense or compressed) through the model-file tree, so
     * whatever the format stores (masks, codes) comes along; same training mode as {@code net}.
     */
    static ZooNet copy(ZooNet net) {
        ZooNet c = (ZooNet) ModelFile.copy(net);
        c.train(net.isTraining());
        return c;
    }
}
