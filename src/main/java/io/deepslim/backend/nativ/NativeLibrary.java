package io.deepslim.backend.nativ;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of {@code native/include/deepslim_native.h}, one static method per C function.
 * Pointers travel as raw addresses ({@code long}) of off-heap storage. Loading happens on first
 * touch of this class only; engine code reaches it through {@link NativeKernels#get()}, which
 * catches a failed load. The kernel sources are compiled into the same library by the javacpp
 * Maven plugin (see pom.xml).
 */
@Platform(include = {"deepslim_native.h", "ds_dispatch.cpp", "ds_sparse.cpp", "ds_int8.cpp", "ds_int8_conv.cpp", "ds_quantize.cpp", "ds_depthwise.cpp", "ds_winograd.cpp", "ds_winograd_bwf.cpp", "ds_linear.cpp", "ds_small_conv.cpp"},
        library = "deepslim_native")
public final class NativeLibrary {
    static { Loader.load(); }

    private NativeLibrary() {}

    public static native int ds_best_path();

    public static native @Cast("const char*") String ds_path_name(int path);

    public static native void ds_sparse_conv2d_forward(int path, int threads, @Cast("const float*") long x, int n, int cin, int h, int w,
            @Cast("const int32_t*") long rowptr, @Cast("const int32_t*") long kidx, @Cast("const float*") long vals,
            @Cast("const float*") long bias, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
            int groups, int relu, int pool, @Cast("float*") long y, int ho, int wo);

    public static native void ds_sparse_conv2d_forward_pack(long pack, int path, int threads, @Cast("const float*") long x, int n, int cin, int h, int w,
            @Cast("const int32_t*") long rowptr, @Cast("const int32_t*") long kidx, @Cast("const float*") long vals,
            @Cast("const float*") long bias, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
            int groups, int relu, int pool, @Cast("float*") long y, int ho, int wo);

    /** How many ds_sparse_conv2d_forward_pack calls found their prepared offsets cached. */
    public static native long ds_sparse_plan_hits();

    public static native int ds_sparse_conv_blocks(int path, int cin, int w, int kh, int kw, int sh, int sw, int pw,
            int dh, int dw, int groups);

    /** 1 when a sparse conv of these parameters runs the column-split (aligned-load) layout on this path. */
    public static native int ds_sparse_conv_column_split(int path, int w, int kw, int sh, int sw, int pw, int dw);

    /** 1 when a strided sparse conv runs this path's vector kernel (input split by stride phase), 0 for the portable loop. */
    public static native int ds_sparse_conv_strided_vector(int path, int sh, int sw, int dh, int dw);

    /** 1 when ds_sparse_conv2d_forward runs an output map of ho x wo on the small-map path (im2col rows, output channels over the threads). */
    public static native int ds_sparse_conv_small_map(int path, int ho, int wo);

    /** Sets the most output positions the small-map path takes (0: never; negative: unchanged) and returns the previous value. */
    public static native int ds_sparse_small_max_positions(int positions);

    public static native void ds_sparse_linear_forward(int path, int threads, @Cast("const float*") long x, int m, int k,
            @Cast("const int32_t*") long rowptr, @Cast("const int32_t*") long cols, @Cast("const float*") long vals,
            @Cast("const float*") long bias, int nout, int relu, @Cast("float*") long y);

    public static native int ds_sparse_matches(@Cast("const float*") long orig, @Cast("const float*") long mask,
            @Cast("const int32_t*") long idx, @Cast("const float*") long vals, long nnz);

    public static native void ds_min_max(@Cast("const float*") long x, long n, @Cast("float*") long out2);

    public static native void ds_quantize_s8(int threads, @Cast("const float*") long x, long n, float scale, int zero, @Cast("int8_t*") long q);

    public static native int ds_int8_packed_k(int k);

    public static native void ds_int8_linear_forward(int path, int threads, @Cast("const int8_t*") long xq, int m, int k, float xs, int xz,
            @Cast("const int8_t*") long wq, @Cast("const int32_t*") long wsum, @Cast("const float*") long wscale, int nscale,
            @Cast("const float*") long bias, int nout, int relu, @Cast("float*") long y);

    public static native long ds_int8_conv2d_packed_bytes(int cout, int cinG, int kh, int kw, int groups);

    public static native void ds_int8_conv2d_pack(@Cast("const int8_t*") long w, int cout, int cinG, int kh, int kw, int groups,
            @Cast("int8_t*") long out, @Cast("int32_t*") long wsum);

    public static native long ds_winograd_f4_split_calls();

    public static native long ds_small_conv_packed_floats(int cout, int k);

    public static native void ds_small_conv_pack(@Cast("const float*") long w, int cout, int k, @Cast("float*") long out);

    public static native void ds_small_conv_forward(int path, int threads, @Cast("const float*") long x, int n, int cin, int h, int w,
            @Cast("const float*") long wpack, @Cast("const float*") long bias, int cout, int kh, int kw, int sh, int sw, int ph, int pw,
            int dh, int dw, int relu, int pool, @Cast("float*") long y, int ho, int wo);

    public static native int ds_int8_conv_flat_layout(int cinG, int kh, int kw, int dh, int dw, int ho, int wo);

    public static native void ds_int8_conv2d_forward(int path, int threads, @Cast("const int8_t*") long xq, int n, int cin, int h, int w,
            float xs, int xz, @Cast("const int8_t*") long wq, @Cast("const int32_t*") long wsum, @Cast("const float*") long wscale,
            int nscale, @Cast("const float*") long bias, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
            int groups, int relu, int pool, float outScale, int outZero, @Cast("void*") long y, int ho, int wo);

    public static native void ds_separable3x3_forward(int path, int threads, @Cast("const float*") long x, int n, int cin, int h, int w,
            @Cast("const float*") long sw, @Cast("const float*") long sb, int cmid, int groups, int stride,
            @Cast("const float*") long pw, @Cast("const float*") long pb, int cout, int relu, int pool, @Cast("float*") long y);

    public static native void ds_linear_forward(int path, int threads, @Cast("const float*") long x, int m, int k,
            @Cast("const float*") long w, @Cast("const float*") long bias, int nout, int relu, @Cast("float*") long y);

    public static native long ds_winograd_f4_packed_floats(int cin, int cout);

    public static native void ds_winograd_f4_pack(@Cast("const float*") long w, int cout, int cin, @Cast("float*") long u);

    public static native void ds_winograd_f4_forward(int path, int threads, @Cast("const float*") long x, int n, int cin, int h, int w,
            @Cast("const float*") long u, @Cast("const float*") long bias, int cout, int relu, int pool, @Cast("float*") long y);

    public static native void ds_winograd_f4_backward_filter(int path, int threads, @Cast("const float*") long x, @Cast("const float*") long dy,
            int n, int cin, int h, int w, int cout, @Cast("float*") long dw);
}
