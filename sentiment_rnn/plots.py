"""The two figures: training curves and the sentiment of each speech."""

import matplotlib

matplotlib.use("Agg")  # files only, no screen needed
import matplotlib.pyplot as plt  # noqa: E402


def training_curves(history, path):
    """Loss (train and validation) and validation accuracy per epoch."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    left.plot(history["epoch"], history["train_loss"], marker="o", label="train")
    left.plot(history["epoch"], history["valid_loss"], marker="o", label="validation")
    left.set(xlabel="epoch", ylabel="binary cross-entropy", title="Loss")
    left.legend()
    right.plot(history["epoch"], history["valid_accuracy"], marker="o", color="C2")
    right.set(xlabel="epoch", ylabel="accuracy", title="Validation accuracy")
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)


def speech_sentiment(speeches, path):
    """Share of positive and negative paragraphs per speech, as stacked bars."""
    scored = speeches.dropna(subset=["share_positive"])
    labels = [f"{s} ({n})" for s, n in zip(scored["speaker"], scored["n_paragraphs"])]
    fig, ax = plt.subplots(
        figsize=(9, 0.5 * len(scored) + 1.5), constrained_layout=True
    )
    ax.barh(labels, scored["share_positive"], color="C2", label="positive")
    ax.barh(
        labels,
        1 - scored["share_positive"],
        left=scored["share_positive"],
        color="C3",
        label="negative",
    )
    ax.set(
        xlim=(0, 1),
        xlabel="share of paragraphs",
        title="Paragraph sentiment per speech (paragraph count in brackets)",
    )
    ax.invert_yaxis()
    ax.legend(loc="lower right")
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)
