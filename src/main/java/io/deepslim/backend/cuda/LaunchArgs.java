package io.deepslim.backend.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The kernel-argument block cuLaunchKernel reads, allocated once per context and refilled for every
 * launch (launches are serialized on the context, and cuLaunchKernel copies the values before it
 * returns): one 8-byte slot per argument, two 32-int slots for structs passed by value (ds_index),
 * and the void* array pointing at them. Needs no GPU, so it is tested on every machine.
 */
final class LaunchArgs {
    /** Most arguments a launch may take (the widest kernel, ds_int8_gemm_dp4a, takes 13). */
    static final int MAX_ARGS = 24;
    private final LongPointer slots = new LongPointer(MAX_ARGS);
    private final IntPointer ints = new IntPointer(slots);
    private final FloatPointer floats = new FloatPointer(slots);
    private final IntPointer structs = new IntPointer(64);
    private final LongPointer addresses = new LongPointer(MAX_ARGS);
    // the same memory typed as void**: cuLaunchKernel's PointerPointer overload passes it as is (its
    // plain-Pointer overload passes a pointer to the pointer, and a non-null "extra" with it)
    private final PointerPointer<Pointer> params = new PointerPointer<>((Pointer) addresses);

    /**
     * Writes {@code args} (Long = device pointer or 64-bit integer, Integer = int, Float = float,
     * int[] = a struct of at most 32 ints passed by value, at most two) and returns the void** array.
     */
    PointerPointer<Pointer> pack(String kernel, Object... args) {
        if (args.length > MAX_ARGS) throw new IllegalArgumentException("kernel " + kernel + ": more than " + MAX_ARGS + " arguments");
        int structCount = 0;
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            long slot = slots.address() + 8L * i;
            if (a instanceof Long l) slots.put(i, l);
            else if (a instanceof Integer n) ints.put(2L * i, n);
            else if (a instanceof Float x) floats.put(2L * i, x);
            else if (a instanceof int[] st && st.length <= 32 && structCount < 2) {
                structs.position(32L * structCount).put(st, 0, st.length).position(0);
                slot = structs.address() + 4L * 32 * structCount++;
            } else {
                throw new IllegalArgumentException("kernel " + kernel + ": unsupported argument " + a);
            }
            addresses.put(i, slot);
        }
        return params;
    }
}
