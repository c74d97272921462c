package io.deepslim.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deepslim.io.ModelFormatException;
import io.deepslim.io.SafeTensors;
import io.deepslim.io.SafeTensorsWriter;
import io.deepslim.nn.Linear;
import io.deepslim.optim.Adam;
import io.deepslim.optim.Optimizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** A damaged checkpoint is refused with one line naming the field or tensor and what was expected. */
class CheckpointTest {
    @TempDir Path tmp;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The state a Trainer writes after its third epoch (epoch index 2). */
    private static ObjectNode validState() {
        ObjectNode st = JSON.createObjectNode();
        st.put("epoch", 2);
        st.put("best_epoch", 1);
        st.put("best_acc", 0.75);
        st.put("bad_epochs", 1);
        st.put("seconds", 12.5);
        st.put("optimizer_steps", 30);
        st.putObject("fingerprint").put("arch", "student10").put("lr", 0.001);
        ArrayNode h = st.putArray("history");
        for (int e = 1; e <= 3; e++) h.addObject().put("epoch", e).put("val_acc", 0.5).put("val_auc", "NaN");
        return st;
    }

    private Path write(String name, ObjectNode state) throws Exception {
        Linear m = new Linear(new Random(1), 3, 2);
        Optimizer opt = Adam.of(m.trainableParameters(), 1e-3f);
        Path f = tmp.resolve(name + ".safetensors");
        Checkpoint.save(f, m, opt, JSON.convertValue(state, Map.class));
        return f;
    }

    @Test void validStateIsRead() throws Exception {
        Checkpoint.State s = Checkpoint.readState(write("ok", validState()));
        assertEquals(2, s.epoch());
        assertEquals(1, s.bestEpoch());
        assertEquals(0.75, s.bestAcc());
        assertEquals(1, s.badEpochs());
        assertEquals(30L, s.optimizerSteps());
        assertEquals("student10", s.fingerprint().get("arch"));
        assertEquals(3, s.history().size());
        assertEquals(3, ((Number) s.history().get(2).get("epoch")).intValue());
    }

    @Test void everyDamagedFieldIsNamed() throws Exception {
        Map<String, Consumer<ObjectNode>> cases = new LinkedHashMap<>();
        cases.put("epoch", s -> s.remove("epoch"));
        cases.put("best_acc", s -> s.remove("best_acc"));
        cases.put("optimizer_steps", s -> s.remove("optimizer_steps"));
        cases.put("bad_epochs", s -> s.remove("bad_epochs"));
        cases.put("seconds", s -> s.remove("seconds"));
        cases.put("best_epoch", s -> s.remove("best_epoch"));
        cases.put("history", s -> s.put("history", "lots"));
        cases.put("fingerprint", s -> s.putArray("fingerprint").add(1));
        cases.put("epoch ", s -> s.put("epoch", -3));
        cases.put("epoch  ", s -> s.put("epoch", "2"));
        cases.put("epoch   ", s -> s.put("epoch", 2.5));
        cases.put("optimizer_steps ", s -> s.put("optimizer_steps", -1));
        cases.put("best_acc ", s -> s.put("best_acc", 7.0));
        cases.put("best_acc  ", s -> s.put("best_acc", "NaN"));
        cases.put("best_epoch ", s -> s.put("best_epoch", 9));
        cases.put("seconds ", s -> s.put("seconds", -1.0));
        cases.put("bad_epochs ", s -> s.put("bad_epochs", 99));
        cases.put("history ", s -> ((ArrayNode) s.get("history")).remove(0));
        cases.put("history  ", s -> ((ArrayNode) s.get("history")).set(1, JSON.getNodeFactory().textNode("row")));
        cases.put("history   ", s -> ((ObjectNode) s.get("history").get(2)).put("epoch", 7));
        int i = 0;
        for (Map.Entry<String, Consumer<ObjectNode>> c : cases.entrySet()) {
            ObjectNode st = validState();
            c.getValue().accept(st);
            Path f = write("bad" + i++, st);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> Checkpoint.readState(f), c.getKey());
            String field = c.getKey().trim();
            assertTrue(e.getMessage().contains("'" + field + "'"), c.getKey() + " → " + e.getMessage());
            assertTrue(e.getMessage().contains(f.getFileName().toString()), e.getMessage());
            assertFalse(e.getMessage().contains("java.") || e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test void metadataThatIsNotAnObjectIsRefused() throws Exception {
        Path f = tmp.resolve("arr.safetensors");
        SafeTensors.writer().add("model.weight", new int[]{1}, new float[]{1}).metadata(Checkpoint.META, "[1]").write(f);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Checkpoint.readState(f));
        assertTrue(e.getMessage().contains("JSON object"), e.getMessage());
        Path g = tmp.resolve("junk.safetensors");
        SafeTensors.writer().add("model.weight", new int[]{1}, new float[]{1}).metadata(Checkpoint.META, "{\"epoch\": ").write(g);
        assertThrows(ModelFormatException.class, () -> Checkpoint.readState(g));
    }

    @Test void missingExtraOrRelabelledTensorsAreRefused() throws Exception {
        Linear m = new Linear(new Random(1), 3, 2);
        Optimizer opt = Adam.of(m.trainableParameters(), 1e-3f);
        Path ok = write("tensors", validState());
        Checkpoint.restore(ok, m, opt);
        try (SafeTensors st = SafeTensors.open(ok)) {
            for (String drop : List.of("model.weight", "optim.0")) {
                Path f = rewrite(st, "drop-" + drop, w -> { }, drop, null);
                ModelFormatException e = assertThrows(ModelFormatException.class, () -> Checkpoint.restore(f, m, opt));
                assertTrue(e.getMessage().contains(drop), e.getMessage());
            }
            Path extra = rewrite(st, "extra", w -> w.add("model.ghost", new int[]{1}, new float[]{0}), null, null);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> Checkpoint.restore(extra, m, opt));
            assertTrue(e.getMessage().contains("model.ghost"), e.getMessage());
            Path relabel = rewrite(st, "i32", w -> { }, null, "model.bias");
            e = assertThrows(ModelFormatException.class, () -> Checkpoint.restore(relabel, m, opt));
            assertTrue(e.getMessage().contains("model.bias") && e.getMessage().contains("F32"), e.getMessage());
        }
    }

    /** A copy of {@code st} without {@code drop}, with {@code relabel} stored as I32 (same bytes), plus {@code more}. */
    private Path rewrite(SafeTensors st, String name, Consumer<SafeTensorsWriter> more, String drop, String relabel) throws Exception {
        SafeTensorsWriter w = SafeTensors.writer();
        for (String n : st.names()) {
            if (n.equals(drop)) continue;
            SafeTensors.Entry e = st.entry(n);
            w.add(n, n.equals(relabel) ? SafeTensors.Dtype.I32 : e.dtype(), e.shape(), st.bytes(n));
        }
        more.accept(w);
        w.metadata(st.metadata());
        Path f = tmp.resolve(name + ".safetensors");
        w.write(f);
        return f;
    }
}
