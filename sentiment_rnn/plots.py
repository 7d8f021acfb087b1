"""The two figures: training curves and the sentiment of each speech."""

import matplotlib

matplotlib.use("Agg")  # files only, no screen needed
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def training_curves(history, path, best_epoch=None):
    """Loss (train and validation) and validation accuracy per epoch; a dashed
    line marks the epoch whose parameters were kept."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    left.plot(history["epoch"], history["train_loss"], marker="o", label="train")
    left.plot(history["epoch"], history["valid_loss"], marker="o", label="validation")
    left.set(xlabel="epoch", ylabel="binary cross-entropy", title="Loss")
    right.plot(history["epoch"], history["valid_accuracy"], marker="o", color="C2")
    right.set(xlabel="epoch", ylabel="accuracy", title="Validation accuracy")
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        if best_epoch is not None:
            ax.axvline(
                best_epoch,
                color="grey",
                linestyle="--",
                label=f"kept: epoch {best_epoch}",
            )
    left.legend()
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)


def speech_sentiment(speeches, path):
    """Share of positive and negative paragraphs per speech, as stacked bars,
    with the 95% interval of the positive share."""
    scored = speeches.dropna(subset=["share_positive"])
    labels = [  # the id keeps two speeches of one speaker apart
        f"{i}. {s} ({n})"
        for i, s, n in zip(
            scored["speech_id"], scored["speaker"], scored["n_paragraphs"]
        )
    ]
    positive = scored["share_positive"]
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(scored) + 2), constrained_layout=True)
    ax.barh(labels, positive, color="C2", label="positive")
    ax.barh(labels, 1 - positive, left=positive, color="C3", label="negative")
    ax.errorbar(
        positive,
        labels,
        xerr=[
            positive - scored["share_positive_low"],
            scored["share_positive_high"] - positive,
        ],
        fmt="none",
        ecolor="black",
        capsize=3,
        label="95% interval (Wilson)",
    )
    ax.set(
        xlim=(0, 1),
        xlabel="share of paragraphs",
        title="Paragraph sentiment per speech (paragraphs in brackets)",
    )
    ax.invert_yaxis()
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, frameon=False)
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)
