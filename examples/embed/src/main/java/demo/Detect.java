package demo;

import io.deepslim.api.Detector;
import io.deepslim.api.DetectorOptions;
import io.deepslim.api.InvalidImageException;
import io.deepslim.api.Prediction;

import java.nio.file.Path;

public class Detect {
    public static void main(String[] args) throws Exception {
        // one Detector per model: load once, share it between threads, close it at the end
        try (Detector detector = Detector.load(Path.of(args[0]), DetectorOptions.defaults().withThreshold(0.5))) {
            for (int i = 1; i < args.length; i++) {
                try {
                    Prediction p = detector.predict(Path.of(args[i]));
                    System.out.printf("%s: %s (p_fake %.4f, threshold %.2f)%n", args[i], p.label(), p.pFake(), p.threshold());
                } catch (InvalidImageException e) {
                    System.out.println(args[i] + ": not a usable image: " + e.getMessage());
                }
            }
        }
    }
}
