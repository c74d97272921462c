package io.deepslim.data;

import java.util.List;

/** Random access to labelled images: files on disk or a preprocessed cache. Implementations are thread-safe. */
public interface ImageSource {
    /** Number of images. */
    int size();

    /** Label (0/1) of image {@code i}. */
    int label(int i);

    /** Generator/source name of image {@code i}. */
    String generator(int i);

    /** Where image {@code i} comes from, for messages. */
    String describe(int i);

    /** Decodes image {@code i} (at its stored size). */
    RgbImage image(int i) throws BadImageException;

    /** A source that decodes the samples' files on every call, at full resolution within the decoder's budget. */
    static ImageSource files(List<Sample> samples, ImageDecoder decoder) {
        return files(samples, decoder, 0);
    }

    /** As {@link #files(List, ImageDecoder)}, large images decoded subsampled for use at {@code side}×{@code side}. */
    static ImageSource files(List<Sample> samples, ImageDecoder decoder, int side) {
        List<Sample> s = List.copyOf(samples);
        return new ImageSource() {
            @Override public int size() { return s.size(); }
            @Override public int label(int i) { return s.get(i).label(); }
            @Override public String generator(int i) { return s.get(i).generator(); }
            @Override public String describe(int i) { return s.get(i).path().toString(); }
            @Override public RgbImage image(int i) throws BadImageException { return decoder.decode(s.get(i).path(), side); }
        };
    }
}
