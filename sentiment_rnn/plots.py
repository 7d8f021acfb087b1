"""The figures: training curves, the sentiment of each speech, the sweep,
and the comparison of models (calibration, accuracy by review length)."""

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


def sweep(summary, path):
    """Validation and test accuracy of every model of the sweep, one row
    each, the chosen one marked."""
    fig, ax = plt.subplots(figsize=(9, 0.4 * len(summary) + 2), constrained_layout=True)
    rows = range(len(summary))
    ax.scatter(summary["valid_accuracy"], rows, label="validation", color="C0")
    ax.scatter(summary["test_accuracy"], rows, label="test", color="C1", marker="s")
    labels = [
        f"{name}  (chosen)" if chosen else name
        for name, chosen in zip(summary["model"], summary["chosen"])
    ]
    ax.set_yticks(list(rows), labels)
    ax.invert_yaxis()
    ax.set(xlabel="accuracy", title="Sweep: one model per point, chosen on validation")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)


def reliability(calibration, path):
    """Reliability diagram: the share of positive reviews against the mean
    predicted probability in each probability bin, one line per model; a
    calibrated model lies on the diagonal."""
    fig, ax = plt.subplots(figsize=(6, 6), constrained_layout=True)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="calibrated")
    for name, part in calibration.groupby("model", sort=False):
        part = part[part["n"] > 0]
        ax.plot(
            part["mean_probability"], part["share_positive"], marker="o", label=name
        )
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="mean predicted probability of positive",
        ylabel="share of positive reviews",
        title="Reliability on the test reviews",
    )
    ax.legend(loc="upper left")
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)


def accuracy_by_length(table, path):
    """Test accuracy of each model per band of review length."""
    fig, ax = plt.subplots(figsize=(8, 4.5), constrained_layout=True)
    bands = list(dict.fromkeys(table["length_band"]))
    for name, part in table.groupby("model", sort=False):
        ax.plot(
            [bands.index(b) for b in part["length_band"]],
            part["accuracy"],
            marker="o",
            label=name,
        )
    counts = table.drop_duplicates("length_band")["n"]
    ax.set_xticks(range(len(bands)), [f"{b}\n({n:,})" for b, n in zip(bands, counts)])
    ax.set(
        xlabel="review length in tokens (test reviews in brackets)",
        ylabel="accuracy",
        title="Test accuracy by review length",
    )
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)
