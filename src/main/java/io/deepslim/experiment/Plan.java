package io.deepslim.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/** The cells of a spec in run order: for each seed, each block, each target, each method, each level it takes. */
public final class Plan {
    private static final ObjectMapper CANON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private Plan() {}

    /**
     * One cell of the grid.
     *
     * @param id          stable name, e.g. "compression/prune-ft@10/s1" (transfer: "transfer/kd@10>vae8/s1")
     * @param level       percent kept, or null
     * @param target      transfer target (task B), or null
     * @param seed        the replicate's seed (the base model is trained with it)
     * @param cellSeed    this cell's own seed (data order, initialization), derived from seed and id
     * @param fingerprint hash of everything that decides the cell's result; a stored result with another one is re-run
     */
    public record Cell(String id, Spec.Block block, Methods.Method method, Integer level, Spec.DataRef target, long seed, long cellSeed,
                       String fingerprint) {
        /** The block's training data (default: the base model's). */
        public Spec.DataRef data(Spec spec) {
            return block.data() != null ? block.data() : spec.models().get(block.model()).train();
        }

        /** The test data: the target for transfer, else the block's evaluate (default: its data). */
        public Spec.DataRef evaluate(Spec spec) {
            if (target != null) return block.evaluate() != null ? block.evaluate() : target;
            return block.evaluate() != null ? block.evaluate() : data(spec);
        }

        /** Low-rank rank (default 6). */
        public int rank() { return block.rank() != null ? block.rank() : 6; }
    }

    /** Every cell of {@code spec}. */
    public static List<Cell> cells(Spec spec) {
        List<Long> seeds = seeds(spec);
        List<Cell> out = new ArrayList<>();
        for (long seed : seeds) {
            for (Spec.Block b : spec.grid()) {
                List<Spec.DataRef> targets = b.targets() != null ? b.targets() : java.util.Collections.singletonList(null);
                for (Spec.DataRef t : targets) {
                    for (String m : b.methods()) {
                        Methods.Method meth = Methods.find(m, t != null);
                        List<Integer> levels = meth.leveled() ? b.levels() : java.util.Collections.singletonList(null);
                        for (Integer lv : levels) out.add(cell(spec, b, meth, lv, t, seed));
                    }
                }
            }
        }
        return out;
    }

    /** The spec's seeds ([1] when none are given). */
    public static List<Long> seeds(Spec spec) { return spec.seeds() == null ? List.of(1L) : spec.seeds(); }

    private static Cell cell(Spec spec, Spec.Block b, Methods.Method m, Integer level, Spec.DataRef target, long seed) {
        String key = b.name() + "/" + m.name() + (level != null ? "@" + level : "") + (target != null ? ">" + label(target) : "");
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        long cellSeed = seed * 1_000_003L + crc.getValue() % 1_000_000L;
        Map<String, Object> what = new LinkedHashMap<>();
        what.put("key", key);
        what.put("seed", seed);
        what.put("model", spec.models().get(b.model()));
        what.put("training", (spec.training() != null ? spec.training() : Spec.Training.defaults()).orDefaults());
        Cell c = new Cell(key + "/s" + seed, b, m, level, target, seed, cellSeed, "");
        what.put("data", c.data(spec));
        what.put("evaluate", c.evaluate(spec));
        what.put("target", target);
        what.put("rank", m.name().startsWith("lowrank") ? c.rank() : null);
        Map<String, Object> ds = new LinkedHashMap<>();
        for (Spec.DataRef r : new Spec.DataRef[]{c.data(spec), c.evaluate(spec), spec.models().get(b.model()).train(), target}) {
            if (r != null) ds.put(r.dataset(), spec.datasets().get(r.dataset()));
        }
        what.put("datasets", ds);
        return new Cell(c.id(), b, m, level, target, seed, cellSeed, hash(what));
    }

    /** "vae8" or "deepfake-real" or "synth:tconv+sr": how a data reference is named in cell ids and tables. */
    public static String label(Spec.DataRef r) {
        return r.generators() == null ? r.dataset() : String.join("+", r.generators());
    }

    /** First 12 hex digits of the SHA-256 of {@code o}'s canonical JSON. */
    static String hash(Object o) {
        try {
            byte[] json = CANON.writeValueAsBytes(o);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json)).substring(0, 12);
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
