package io.deepslim.experiment;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The finished cells of a run: {@code results.jsonl}, one JSON object per line. Each finished cell
 * rewrites the whole file to a temporary sibling, forces it to disk and renames it over the old one,
 * so a run killed at any moment leaves either the old or the new file, never a torn line.
 */
public final class ResultStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final Map<String, Map<String, Object>> rows = new LinkedHashMap<>();

    /** Opens (and reads, if present) {@code file}. A line that does not parse is an error naming the line. */
    public ResultStore(Path file) throws IOException {
        this.file = file.toAbsolutePath();
        if (!Files.exists(this.file)) return;
        List<String> lines = Files.readAllLines(this.file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            Map<String, Object> row;
            try {
                row = JSON.readValue(lines.get(i), new TypeReference<LinkedHashMap<String, Object>>() {});
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IOException(this.file + ":" + (i + 1) + ": not a result line (" + e.getOriginalMessage() + "); move the file away to start over", e);
            }
            if (!(row.get("cell") instanceof String id)) throw new IOException(this.file + ":" + (i + 1) + ": result line without a 'cell'");
            rows.put(id, row);
        }
    }

    /** The stored result of {@code cell} if its fingerprint matches, else null. */
    public synchronized Map<String, Object> finished(Plan.Cell cell) {
        Map<String, Object> r = rows.get(cell.id());
        return r != null && cell.fingerprint().equals(r.get("fingerprint")) ? r : null;
    }

    /** True when a result for the cell id exists but was made by a different spec (it will be re-run). */
    public synchronized boolean stale(Plan.Cell cell) { return rows.containsKey(cell.id()) && finished(cell) == null; }

    /** Adds (or replaces) a finished cell and makes the file durable before returning. */
    public synchronized void put(Map<String, Object> row) throws IOException {
        rows.put((String) row.get("cell"), row);
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> r : rows.values()) sb.append(JSON.writeValueAsString(r)).append('\n');
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Every stored row, in the order first finished. */
    public synchronized List<Map<String, Object>> rows() { return new ArrayList<>(rows.values()); }

    /** The file. */
    public Path file() { return file; }
}
