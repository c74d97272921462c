package io.deepslim.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deterministic release of temporaries. Every storage allocated on this thread while a scope is
 * open belongs to the innermost scope and is freed when that scope closes, unless it was handed
 * to the parent scope with {@link #keep(Tensor)}. Outside any scope storage lives until closed
 * or garbage collected. Typical use: one scope per training step or per inference call.
 */
public final class TensorScope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<TensorScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final Map<Storage, Boolean> owned = new IdentityHashMap<>();
    private boolean closed;

    private TensorScope() {}

    /** Opens a scope nested in the current one (if any). */
    public static TensorScope open() {
        TensorScope s = new TensorScope();
        STACK.get().push(s);
        return s;
    }

    static void register(Storage s) {
        TensorScope top = STACK.get().peek();
        if (top != null) top.owned.put(s, Boolean.TRUE);
    }

    /** Runs {@code body} with no scope active, so what it allocates outlives every open scope. */
    public static <T> T unscoped(java.util.function.Supplier<T> body) {
        ArrayDeque<TensorScope> saved = STACK.get();
        STACK.set(new ArrayDeque<>());
        try {
            return body.get();
        } finally {
            STACK.set(saved);
        }
    }

    /** Moves {@code t}'s storage out of this scope into the enclosing one (or out of all scopes). */
    public Tensor keep(Tensor t) {
        if (owned.remove(t.storage()) != null) {
            ArrayDeque<TensorScope> stack = STACK.get();
            boolean seen = false;
            for (TensorScope s : stack) { // iterates innermost first
                if (seen) {
                    s.owned.put(t.storage(), Boolean.TRUE);
                    break;
                }
                if (s == this) seen = true;
            }
        }
        return t;
    }

    /**
     * Frees {@code t}'s storage now when this scope owns it (it was allocated while this scope was
     * innermost and not kept); otherwise does nothing. Returns whether it freed it. Lets a chain of
     * layers hand a consumed intermediate map back to the pool before the next layer allocates.
     */
    public boolean release(Tensor t) {
        if (closed || owned.remove(t.storage()) == null) return false;
        t.storage().close();
        return true;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        ArrayDeque<TensorScope> stack = STACK.get();
        if (stack.peek() != this) throw new IllegalStateException("tensor scopes must be closed innermost first");
        stack.pop();
        List<Storage> list = new ArrayList<>(owned.keySet());
        owned.clear();
        for (Storage s : list) s.close();
    }
}
