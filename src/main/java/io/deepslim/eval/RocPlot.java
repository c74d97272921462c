package io.deepslim.eval;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/** Draws ROC curves (one series per name) to PNG or SVG with XChart. */
public final class RocPlot {
    private RocPlot() {}

    /** Writes the chart to {@code file}; the extension (.png or .svg) picks the format. Atomic. */
    public static void write(String title, Map<String, Roc> curves, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(640).height(560).title(title)
                .xAxisTitle("false positive rate").yAxisTitle("true positive rate").build();
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        for (Map.Entry<String, Roc> e : curves.entrySet()) {
            Roc r = e.getValue();
            if (Double.isNaN(r.auc())) continue;
            XYSeries s = chart.addSeries(String.format("%s (AUC %.3f)", e.getKey(), r.auc()), r.fpr(), r.tpr());
            s.setMarker(SeriesMarkers.NONE);
        }
        XYSeries diag = chart.addSeries("chance", new double[]{0, 1}, new double[]{0, 1});
        diag.setMarker(SeriesMarkers.NONE);
        diag.setLineStyle(new java.awt.BasicStroke(1f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER, 10f, new float[]{4f, 4f}, 0f));
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        String name = abs.getFileName().toString().toLowerCase();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        if (name.endsWith(".svg")) {
            // the encoder appends the extension itself
            Path base = abs.resolveSibling(abs.getFileName() + ".tmp-svg");
            VectorGraphicsEncoder.saveVectorGraphic(chart, base.toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            Files.move(Path.of(base + ".svg"), abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } else {
            Files.write(tmp, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
