package io.deepslim.data;

import java.util.Locale;
import java.util.Optional;

/** Which part of a dataset a sample belongs to; {@link #UNSPLIT} when the layout has no split folders. */
public enum Split {
    TRAIN, VAL, TEST, UNSPLIT;

    /** Folder name of this split in the layouts deepslim writes (ForenSynths style). */
    public String folderName() { return name().toLowerCase(Locale.ROOT); }

    /** Parses a split folder name ("train", "val", "valid", "validation", "test"), ignoring case. */
    public static Optional<Split> fromFolder(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "train": case "training": return Optional.of(TRAIN);
            case "val": case "valid": case "validation": return Optional.of(VAL);
            case "test": case "testing": return Optional.of(TEST);
            default: return Optional.empty();
        }
    }
}
