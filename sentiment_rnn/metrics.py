"""Classification metrics of predicted probabilities, as plain Python numbers."""

import numpy as np
from sklearn import metrics


def classification_metrics(labels, probabilities, threshold=0.5):
    """Accuracy, precision, recall, F1, ROC AUC and the confusion matrix.

    The confusion matrix is [[TN, FP], [FN, TP]] (rows true, columns predicted).
    Every value is a plain float or int so that it serialises to JSON as is.
    """
    labels = np.asarray(labels).astype(int)
    predicted = (np.asarray(probabilities) >= threshold).astype(int)
    both_classes = len(np.unique(labels)) == 2
    return {
        "n": int(len(labels)),
        "accuracy": float(metrics.accuracy_score(labels, predicted)),
        "precision": float(metrics.precision_score(labels, predicted, zero_division=0)),
        "recall": float(metrics.recall_score(labels, predicted, zero_division=0)),
        "f1": float(metrics.f1_score(labels, predicted, zero_division=0)),
        "roc_auc": float(metrics.roc_auc_score(labels, probabilities))
        if both_classes
        else None,
        "confusion_matrix": metrics.confusion_matrix(
            labels, predicted, labels=[0, 1]
        ).tolist(),
        "threshold": threshold,
    }
