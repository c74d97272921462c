package io.deepslim.experiment;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's plots drawn with XChart as PNG bytes (base64, for inline {@code <img>} in the HTML):
 * ROC curves per block, accuracy against the share of parameters kept and against file size, CPU
 * latency against file size. Only the CLI's report asks for it (XChart is an optional dependency).
 */
final class ReportCharts {
    private ReportCharts() {}

    /** Title → base64 PNG. */
    static Map<String, String> all(List<Aggregate> aggs) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, List<Aggregate>> byBlock = new LinkedHashMap<>();
        for (Aggregate a : aggs) byBlock.computeIfAbsent(a.block() + (a.target() == null ? "" : " → " + a.target()), k -> new ArrayList<>()).add(a);
        for (Map.Entry<String, List<Aggregate>> e : byBlock.entrySet()) {
            String title = "ROC curves: " + e.getKey() + " (seed " + e.getValue().get(0).rows().get(0).get("seed") + ")";
            out.put(title, png(roc(title, e.getValue())));
        }
        boolean multi = byBlock.size() > 1;
        out.put("Accuracy vs share of parameters kept", png(accuracyAxis(scatter("Accuracy vs share of parameters kept", aggs, multi,
                "non-zero parameters kept (% of the base model)", "test accuracy", a -> 100 * a.mean("kept_share"), a -> a.mean("accuracy")))));
        out.put("Accuracy vs file size", png(accuracyAxis(scatter("Accuracy vs file size", aggs, multi, "model file (MB)", "test accuracy",
                a -> a.mean("file_bytes") / 1e6, a -> a.mean("accuracy")))));
        out.put("CPU latency vs file size", png(scatter("CPU latency vs file size", aggs, multi, "model file (MB)", "CPU ms per image (batch 1)",
                a -> a.mean("file_bytes") / 1e6, a -> a.mean("cpu_ms_per_image"))));
        return out;
    }

    /** Accuracy axes from 0.4 (below chance is rare) to 1, so small differences are not blown up. */
    private static XYChart accuracyAxis(XYChart c) {
        double min = 0.4;
        for (XYSeries s : c.getSeriesMap().values()) min = Math.min(min, Math.floor(s.getYMin() * 10) / 10);
        c.getStyler().setYAxisMin(min).setYAxisMax(1.0);
        return c;
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(720).height(460).title(title).xAxisTitle(x).yAxisTitle(y).build();
        Styler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setLegendBorderColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setChartTitleBoxVisible(false);
        return c;
    }

    @SuppressWarnings("unchecked")
    private static XYChart roc(String title, List<Aggregate> aggs) {
        XYChart c = chart(title, "false positive rate", "true positive rate");
        c.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.02);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        int n = 0;
        for (Aggregate a : aggs) {
            if (!(a.rows().get(0).get("roc") instanceof Map<?, ?> roc) || n++ >= 14) continue;
            List<Number> f = (List<Number>) roc.get("fpr"), t = (List<Number>) roc.get("tpr");
            XYSeries s = c.addSeries(String.format("%s (AUC %.3f)", a.label(), ((Number) roc.get("auc")).doubleValue()), f, t);
            s.setMarker(SeriesMarkers.NONE);
        }
        XYSeries d = c.addSeries("chance", new double[]{0, 1}, new double[]{0, 1});
        d.setMarker(SeriesMarkers.NONE);
        d.setLineColor(Color.GRAY);
        d.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{4f, 4f}, 0f));
        return c;
    }

    /** One series per method (per block and method when several blocks), points joined in level order. */
    private static XYChart scatter(String title, List<Aggregate> aggs, boolean multi, String x, String y,
                                   java.util.function.ToDoubleFunction<Aggregate> fx, java.util.function.ToDoubleFunction<Aggregate> fy) {
        XYChart c = chart(title, x, y);
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Aggregate a : aggs) {
            double vx = fx.applyAsDouble(a), vy = fy.applyAsDouble(a);
            if (Double.isNaN(vx) || Double.isNaN(vy)) continue;
            String name = (multi ? a.block() + (a.target() == null ? "" : "→" + a.target()) + ": " : "") + a.method();
            series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[]{vx, vy});
        }
        if (series.isEmpty()) c.addSeries("no data", new double[]{0}, new double[]{0});
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            List<double[]> pts = e.getValue();
            pts.sort((p, q) -> Double.compare(p[0], q[0]));
            double[] xs = pts.stream().mapToDouble(p -> p[0]).toArray(), ys = pts.stream().mapToDouble(p -> p[1]).toArray();
            XYSeries s = c.addSeries(e.getKey(), xs, ys);
            if (pts.size() == 1) s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        }
        return c;
    }

    private static String png(XYChart c) throws IOException {
        return Base64.getEncoder().encodeToString(BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG));
    }
}
