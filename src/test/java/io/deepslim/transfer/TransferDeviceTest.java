package io.deepslim.transfer;

import io.deepslim.engine.TestDevices;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every transfer method that trains, with its training on another device: "fake-gpu" (TestDevices:
 * not the host, reference backend; ops refuse mixed devices) on every machine, "cuda" in the GPU
 * check. The model and the KD / FReTAL teacher go there for the epochs and come back to the CPU,
 * where the result is evaluated; a batch, a teacher or a FReTAL target left behind fails here.
 */
class TransferDeviceTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TestDevices.FAKE_GPU, "cuda"})
    void everyTrainingMethodRunsOnTheDevice(String device) {
        TestDevices.require(device);
        TaskData d = TransferTest.data("B", 16, 32, 5, 1.5f, TransferTest.RF);
        for (String method : new String[]{"finetune", "prune-finetune", "adapter", "kd", "kd-adapter", "quant-finetune", "lowrank-finetune",
                "fretal", "cae"}) {
            ZooNet net = Zoo.create("student10", 32, 2, 3);
            TransferConfig cfg = TransferConfig.defaults(method).withEpochs(1).withBatch(8).withDevice(device);
            if (method.startsWith("prune")) cfg = cfg.withKeep(0.3);
            ZooNet student = method.equals("kd-adapter") ? Zoo.create("student10", 32, 2, 4) : null;   // "distilled on A"
            TransferResult r = Transfer.run(cfg, new Transfer.Inputs(method.equals("cae") ? null : net, TransferTest.RF, student, d, d, null), null);
            assertEquals(method, r.method());
            assertTrue(Double.isFinite(r.targetAccuracy()), method + ": " + r);
            assertTrue(r.model().device().isHost(), method + ": the adapted model is back on the CPU");
            if (!method.equals("cae")) assertTrue(net.device().isHost(), method + ": the task-A model (teacher) is back on the CPU");
        }
    }
}
