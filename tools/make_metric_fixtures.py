"""scikit-learn reference values for deepslim's metrics (Debian: apt-get install -y python3-sklearn).

    /usr/bin/python3 tools/make_metric_fixtures.py    # writes src/test/resources/metrics/sklearn_cases.json
"""
import json
import os

import numpy as np
from sklearn import metrics

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "metrics")


def case(name, scores, labels, threshold=0.5):
    scores = np.asarray(scores, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    pred = (scores >= threshold).astype(np.int64)
    fpr, tpr, thr = metrics.roc_curve(labels, scores, drop_intermediate=False)
    return {
        "name": name, "scores": scores.tolist(), "labels": labels.tolist(), "threshold": threshold,
        "accuracy": metrics.accuracy_score(labels, pred),
        "precision": metrics.precision_score(labels, pred, zero_division=0),
        "recall": metrics.recall_score(labels, pred, zero_division=0),
        "f1": metrics.f1_score(labels, pred, zero_division=0),
        "roc_auc": metrics.roc_auc_score(labels, scores),
        "average_precision": metrics.average_precision_score(labels, scores),
        "confusion": metrics.confusion_matrix(labels, pred, labels=[0, 1]).ravel().tolist(),  # tn fp fn tp
        "fpr": fpr.tolist(), "tpr": tpr.tolist(),
    }


def main():
    rng = np.random.default_rng(7)
    cases = []
    n = 200
    labels = rng.integers(0, 2, n)
    scores = np.clip(labels * 0.35 + rng.normal(0.35, 0.2, n), 0, 1)
    cases.append(case("noisy", scores, labels))
    tied = np.round(scores * 4) / 4           # heavy ties
    cases.append(case("ties", tied, labels))
    cases.append(case("perfect", [0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]))
    cases.append(case("inverted", [0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]))
    cases.append(case("threshold_0.3", scores[:50], labels[:50], 0.3))
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "sklearn_cases.json"), "w") as f:
        json.dump({"sklearn": __import__("sklearn").__version__, "cases": cases}, f)


if __name__ == "__main__":
    main()
