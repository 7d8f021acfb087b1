"""Sweeps: a grid of training settings, one model per point of the grid, and
the choice of one model by validation accuracy.

The grid is the config's `sweep` mapping, setting -> list of values; every
combination of the values is a point, and a point's settings are the config's
with the point's values over them. Each point has a name that is also its
folder under results/models/, such as `cell=gru_seed=1`; an empty grid has
the one point `default`, the model the config describes.

The model that scores the speeches is the point with the best validation
accuracy, the first in grid order on a tie: the test set is only reported,
never used to choose.
"""

import itertools
import math

import numpy as np
import pandas as pd

DEFAULT = "default"

# Most models one grid may make, and the longest name of one (a folder name;
# file systems allow 255 bytes).
MOST_POINTS = 1000
LONGEST_NAME = 200

# Settings a sweep may vary: those of train_model, and how reviews are cut.
SWEPT = (
    "cell",
    "layers",
    "bidirectional",
    "hidden_size",
    "head",
    "max_len",
    "truncate",
    "epochs",
    "batch_size",
    "optimizer",
    "learning_rate",
    "clip_norm",
    "weight_decay",
    "lr_schedule",
    "dropout",
    "embedding_dropout",
    "embedding_lr_scale",
    "ema_decay",
    "patience",
    "seed",
    "train_embeddings",
)


def _text(value):
    """A value as it appears in a point's name."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def points(grid):
    """{name: overrides} of every point of the grid, in grid order (the last
    setting of the grid varies fastest)."""
    if not grid:
        return {DEFAULT: {}}
    keys = list(grid)
    out = {}
    for values in itertools.product(*(grid[key] for key in keys)):
        overrides = dict(zip(keys, values))
        out["_".join(f"{k}={_text(v)}" for k, v in overrides.items())] = overrides
    return out


def size(grid):
    """How many models the grid makes."""
    return int(np.prod([len(values) for values in grid.values()])) if grid else 1


def problems(grid):
    """What makes a grid unusable, as config messages: too many points, a
    name too long for a folder, two values that give one name."""
    found = []
    for key, value in repeated_values(grid):
        found.append(
            f"sweep.{key}: {value!r} is listed twice, or with a value that "
            f"names the same model ({_text(value)!r}); each value makes one model"
        )
    if size(grid) > MOST_POINTS:
        found.append(
            f"sweep: the grid makes {size(grid):,} models; at most {MOST_POINTS:,} "
            "(list fewer values)"
        )
    elif grid:
        longest = max(points(grid), key=len)
        if len(longest) > LONGEST_NAME:
            found.append(
                f"sweep: a model's folder name would be {len(longest)} characters "
                f"({longest[:60]}...), at most {LONGEST_NAME}: list only the "
                "settings that vary in the grid and set the others in the config"
            )
    return found


def repeated_values(grid):
    """(setting, value) pairs listed twice in the grid (as the names see them:
    1 and 1.0 are one learning rate), which would name two points alike."""
    found = []
    for key, values in grid.items():
        seen = set()
        for value in values:
            if _text(value) in seen:
                found.append((key, value))
            seen.add(_text(value))
    return found


def summary(names, overrides, metrics):
    """One row per point: its swept settings, validation and test figures,
    training time and whether it was chosen. `metrics[name]` is the point's
    test_metrics.json."""
    rows = []
    for name in names:
        m = metrics[name]
        rows.append(
            {
                "model": name,
                **overrides[name],
                "valid_accuracy": m["valid_accuracy"],
                "test_accuracy": m["accuracy"],
                "test_f1": m["f1"],
                "test_roc_auc": m["roc_auc"],
                "best_epoch": m["best_epoch"],
                "epochs_run": m["epochs_run"],
                "train_seconds": m["train_seconds"],
            }
        )
    frame = pd.DataFrame(rows)
    frame["chosen"] = frame["model"] == choose(frame)
    return frame


def choose(frame):
    """The name of the point with the best validation accuracy; the first in
    grid order on a tie, or when no point has a validation figure."""
    valid = frame["valid_accuracy"].astype(float)
    if valid.isna().all():
        return frame["model"].iloc[0]
    return frame["model"].iloc[int(np.nanargmax(valid.to_numpy()))]


def seed_spread(frame, grid):
    """Mean, sample standard deviation, lowest and highest test and
    validation accuracy over the seeds of each point of the other settings.
    Empty (with its columns) when the grid does not vary the seed."""
    others = [k for k in grid if k != "seed"]
    columns = [*others, "seeds", "n"] + [
        f"{split}_accuracy_{stat}"
        for split in ("test", "valid")
        for stat in ("mean", "std", "min", "max")
    ]
    if "seed" not in grid:
        return pd.DataFrame(columns=columns)
    groups = (
        frame.groupby(others, sort=False, dropna=False) if others else [((), frame)]
    )
    rows = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(others, key))
        row["seeds"] = " ".join(str(s) for s in part["seed"])
        row["n"] = len(part)
        for split in ("test", "valid"):
            values = part[f"{split}_accuracy"].astype(float)
            row[f"{split}_accuracy_mean"] = values.mean()
            row[f"{split}_accuracy_std"] = values.std() if len(part) > 1 else math.nan
            row[f"{split}_accuracy_min"] = values.min()
            row[f"{split}_accuracy_max"] = values.max()
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)
