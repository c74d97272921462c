package io.deepslim.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Test helper: a model file's tensors and metadata as editable values, written back as a new file. */
final class FileEdits {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One stored tensor: dtype, shape, raw bytes. */
    record Stored(SafeTensors.Dtype dtype, long[] shape, byte[] bytes) {}

    final Map<String, Stored> tensors = new LinkedHashMap<>();
    /** The deepslim metadata as raw text (null: none). */
    String meta;

    static FileEdits read(Path file) throws Exception {
        FileEdits f = new FileEdits();
        try (SafeTensors st = SafeTensors.open(file)) {
            for (String n : st.names()) {
                SafeTensors.Entry e = st.entry(n);
                f.tensors.put(n, new Stored(e.dtype(), e.shape(), st.bytes(n)));
            }
            f.meta = st.metadata().get(ModelFile.META_KEY);
        }
        return f;
    }

    FileEdits copy() {
        FileEdits f = new FileEdits();
        f.tensors.putAll(tensors);
        f.meta = meta;
        return f;
    }

    ObjectNode json() throws Exception { return (ObjectNode) JSON.readTree(meta); }

    /** Edits the metadata as JSON. */
    FileEdits meta(UnaryOperator<ObjectNode> edit) throws Exception {
        meta = JSON.writeValueAsString(edit.apply(json()));
        return this;
    }

    /** The node at a dotted module path inside the metadata's module tree. */
    static ObjectNode node(ObjectNode meta, String path) {
        JsonNode n = meta.get("modules");
        if (!path.isEmpty()) for (String p : path.split("\\.")) n = n.get("children").get(p);
        return (ObjectNode) n;
    }

    static ObjectNode args(ObjectNode meta, String path) { return (ObjectNode) node(meta, path).get("args"); }

    FileEdits rename(String from, String to) {
        Map<String, Stored> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k.equals(from) ? to : k, v));
        tensors.clear();
        tensors.putAll(out);
        return this;
    }

    FileEdits relabel(String name, SafeTensors.Dtype dtype, long... shape) {
        Stored s = tensors.get(name);
        tensors.put(name, new Stored(dtype, shape.length == 0 ? s.shape() : shape, s.bytes()));
        return this;
    }

    List<String> names() { return new ArrayList<>(tensors.keySet()); }

    Path write(Path file) throws Exception {
        SafeTensorsWriter w = SafeTensors.writer();
        tensors.forEach((k, v) -> w.add(k, v.dtype(), v.shape(), v.bytes()));
        if (meta != null) w.metadata(ModelFile.META_KEY, meta);
        w.write(file);
        return file;
    }
}
