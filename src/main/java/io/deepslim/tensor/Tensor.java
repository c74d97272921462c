package io.deepslim.tensor;

import io.deepslim.autograd.Autograd;
import io.deepslim.autograd.Node;
import io.deepslim.backend.Device;
import io.deepslim.ops.Ops;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * An n-dimensional array on a device, with optional gradient tracking. A tensor is a view
 * (shape, strides, offset) over an owned {@link Storage}; reshape/transpose/narrow make views
 * without copying. Differentiable operations live in {@link Ops}; the instance methods here
 * that compute something delegate to it.
 *
 * <p>Thread safety: a tensor may be read from many threads at once; writing one while another
 * thread reads it is a data race, as with plain arrays.
 */
public final class Tensor implements AutoCloseable {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;
    private final Device device;

    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;

    public Tensor(Storage storage, int[] shape, int[] strides, int offset, Device device) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.device = device;
    }

    // ---------------------------------------------------------------- factories (CPU)

    /** A contiguous zero tensor on {@code device}. */
    public static Tensor zeros(Device device, DType dtype, int... shape) {
        int[] s = Shape.check(shape);
        return new Tensor(Storage.zeros(dtype, Shape.numel(s)), s, Shape.contiguousStrides(s), 0, device);
    }

    /** A contiguous F32 zero tensor on the default CPU device. */
    public static Tensor zeros(int... shape) { return zeros(Device.cpu(), DType.F32, shape); }

    /** A contiguous tensor whose content is unspecified (filled by the caller). */
    public static Tensor empty(Device device, DType dtype, int... shape) {
        int[] s = Shape.check(shape);
        return new Tensor(Storage.uninitialized(dtype, Shape.numel(s)), s, Shape.contiguousStrides(s), 0, device);
    }

    /** An uninitialized contiguous F32 CPU tensor. */
    public static Tensor empty(int... shape) { return empty(Device.cpu(), DType.F32, shape); }

    /** Copies {@code data} (row-major) into a new F32 CPU tensor of {@code shape}. */
    public static Tensor of(float[] data, int... shape) {
        int[] s = Shape.check(shape);
        if (Shape.numel(s) != data.length) {
            throw new IllegalArgumentException("Tensor.of: " + data.length + " values do not fill shape " + Shape.str(s));
        }
        Tensor t = empty(s);
        t.storage.floats().put(0, data);
        return t;
    }

    /** A rank-0 tensor holding {@code v}. */
    public static Tensor scalar(float v) { return of(new float[]{v}); }

    /** A tensor filled with {@code v}. */
    public static Tensor full(float v, int... shape) {
        Tensor t = empty(shape);
        FloatBuffer f = t.storage.floats();
        for (int i = 0, n = (int) t.numel(); i < n; i++) f.put(i, v);
        return t;
    }

    /** Standard normal samples, scaled by {@code std}. */
    public static Tensor randn(Random rng, float std, int... shape) {
        Tensor t = empty(shape);
        FloatBuffer f = t.storage.floats();
        for (int i = 0, n = (int) t.numel(); i < n; i++) f.put(i, (float) (rng.nextGaussian() * std));
        return t;
    }

    /** Uniform samples in [lo, hi). */
    public static Tensor uniform(Random rng, float lo, float hi, int... shape) {
        Tensor t = empty(shape);
        FloatBuffer f = t.storage.floats();
        for (int i = 0, n = (int) t.numel(); i < n; i++) f.put(i, lo + (hi - lo) * rng.nextFloat());
        return t;
    }

    // ---------------------------------------------------------------- metadata

    public int[] shape() { return shape.clone(); }

    /** Size of dimension {@code d} (negative counts from the end). */
    public int size(int d) { return shape[Shape.dim("size", d, shape.length)]; }

    public int dim() { return shape.length; }

    public long numel() { return Shape.numel(shape); }

    public int[] strides() { return strides.clone(); }

    public int offset() { return offset; }

    public Storage storage() { return storage; }

    public Device device() { return device; }

    public DType dtype() { return storage.dtype(); }

    /** True when elements are laid out row-major without gaps starting at {@link #offset()}. */
    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** Direct float buffer of the underlying storage (index with {@link #offset()} and strides). */
    public FloatBuffer buffer() { return storage.floats(); }

    /** Direct byte buffer of the underlying storage (for I8 tensors). */
    public ByteBuffer byteBuffer() { return storage.bytes(); }

    // ---------------------------------------------------------------- element access

    /** Reads one element (slow; for tests and small tensors). */
    public float get(int... idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException("get: " + idx.length + " indices for shape " + Shape.str(shape));
        }
        int p = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("get: index " + Arrays.toString(idx) + " outside " + Shape.str(shape));
            }
            p += idx[i] * strides[i];
        }
        if (dtype() == DType.F32) return storage.floats().get(p);
        if (dtype() == DType.I8) return storage.bytes().get(p);
        return storage.bytes().getInt(p * 4);
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalArgumentException("item: tensor of shape " + Shape.str(shape) + " has " + numel() + " elements");
        return get(new int[shape.length]);
    }

    /** Copies the elements into a new row-major float array. */
    public float[] toFloatArray() {
        Tensor c = contiguousRaw();
        float[] out = new float[(int) numel()];
        if (c.dtype() == DType.F32) {
            c.storage.floats().get(c.offset, out);
        } else {
            for (int i = 0; i < out.length; i++) out[i] = c.dtype() == DType.I8 ? c.storage.bytes().get(c.offset + i) : c.storage.bytes().getInt((c.offset + i) * 4);
        }
        return out;
    }

    // ---------------------------------------------------------------- raw views (no autograd)

    /** A view with new shape/strides over the same storage; no gradient tracking. */
    public Tensor viewRaw(int[] newShape, int[] newStrides, int newOffset) {
        return new Tensor(storage, newShape, newStrides, newOffset, device);
    }

    /** This tensor if contiguous, else a contiguous copy; no gradient tracking. */
    public Tensor contiguousRaw() {
        if (isContiguous()) return this;
        Tensor out = empty(device, dtype(), shape);
        device.backend().copy(this, out);
        return out;
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks a leaf tensor as a parameter whose gradient is accumulated in {@link #grad()}. */
    public Tensor requiresGrad(boolean r) {
        if (gradFn != null && !r) throw new IllegalStateException("requiresGrad(false) on a non-leaf tensor; use detach()");
        this.requiresGrad = r;
        return this;
    }

    public Tensor grad() { return grad; }

    public void setGrad(Tensor g) { this.grad = g; }

    public Node gradFn() { return gradFn; }

    public void setGradFn(Node n) {
        this.gradFn = n;
        this.requiresGrad = n != null;
    }

    /** True for tensors not produced by a tracked operation. */
    public boolean isLeaf() { return gradFn == null; }

    /** A tensor sharing storage but cut from the graph. */
    public Tensor detach() { return new Tensor(storage, shape, strides, offset, device); }

    /** Back-propagates from this scalar, accumulating into the leaves' {@link #grad()}. */
    public void backward() { Autograd.backward(this); }

    // ---------------------------------------------------------------- convenience ops

    public Tensor add(Tensor o) { return Ops.add(this, o); }

    public Tensor sub(Tensor o) { return Ops.sub(this, o); }

    public Tensor mul(Tensor o) { return Ops.mul(this, o); }

    public Tensor div(Tensor o) { return Ops.div(this, o); }

    public Tensor mul(float s) { return Ops.scale(this, s); }

    public Tensor matmul(Tensor o) { return Ops.matmul(this, o); }

    public Tensor reshape(int... s) { return Ops.reshape(this, s); }

    public Tensor transpose(int a, int b) { return Ops.transpose(this, a, b); }

    public Tensor sum() { return Ops.sum(this); }

    public Tensor mean() { return Ops.mean(this); }

    // ---------------------------------------------------------------- lifetime

    /** Frees the storage now (this tensor and all views of it become unusable). */
    @Override
    public void close() { storage.close(); }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Shape.str(shape)).append(' ').append(dtype());
        if (storage.isReleased()) return sb.append(" (released)").toString();
        if (numel() <= 16) sb.append(' ').append(Arrays.toString(toFloatArray()));
        if (gradFn != null) sb.append(" grad_fn=").append(gradFn.name());
        return sb.toString();
    }
}
