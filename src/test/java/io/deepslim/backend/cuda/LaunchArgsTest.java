package io.deepslim.backend.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The void** block handed to cuLaunchKernel, read back the way the driver reads it: entry i is the
 * address of argument i's value, with the value's own width (no GPU needed).
 */
class LaunchArgsTest {
    /** A pointer at a raw address (the address a void** entry holds). */
    static Pointer raw(long a) {
        return new Pointer() {
            { address = a; }
        };
    }

    @Test
    void everyArgumentIsReadableThroughItsSlotAddress() {
        LaunchArgs a = new LaunchArgs();
        int[] index = new int[19];
        for (int i = 0; i < index.length; i++) index[i] = 100 + i;
        PointerPointer<Pointer> p = a.pack("k", 0x7f00_0000_1234L, 42, 2.5f, index, -7, 0x1_0000_0001L);
        long[] addr = new long[6];
        for (int i = 0; i < addr.length; i++) addr[i] = p.get(i).address();
        // the values at those addresses, read with each argument's width
        assertEquals(0x7f00_0000_1234L, new LongPointer(raw(addr[0])).get(0));
        assertEquals(42, new IntPointer(raw(addr[1])).get(0));
        assertEquals(2.5f, new FloatPointer(raw(addr[2])).get(0));
        int[] back = new int[19];
        new IntPointer(raw(addr[3])).get(back);
        assertArrayEquals(index, back);
        assertEquals(-7, new IntPointer(raw(addr[4])).get(0));
        assertEquals(0x1_0000_0001L, new LongPointer(raw(addr[5])).get(0));
        assertNotEquals(addr[0], addr[1]);
        // a second launch overwrites the same slots
        PointerPointer<Pointer> q = a.pack("k", 5);
        assertEquals(addr[0], q.get(0).address());
        assertEquals(5, new IntPointer(raw(addr[0])).get(0));
    }

    @Test
    void tooManyOrUnsupportedArgumentsAreRefused() {
        LaunchArgs a = new LaunchArgs();
        assertThrows(IllegalArgumentException.class, () -> a.pack("k", new Object[LaunchArgs.MAX_ARGS + 1]));
        assertThrows(IllegalArgumentException.class, () -> a.pack("k", "text"));
        assertThrows(IllegalArgumentException.class, () -> a.pack("k", new int[1], new int[1], new int[1]));
    }
}
