"""Training: length-bucketed minibatches, early stopping, checkpoints, resume.

One seed fixes everything: the initial weights come from `default_rng(seed)`
and the batch order of epoch e from `default_rng([seed, e])`, so a run resumed
from a checkpoint sees the same batches as one that was never interrupted.
"""

import contextlib
import dataclasses
import json
import logging
import math
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from . import allocator, optim, parallel, subnormal, vocab
from . import model as M
from .backend import get_backend, to_host
from .errors import InputError
from .files import atomic_path
from .metrics import classification_metrics

log = logging.getLogger(__name__)

BUCKET_BATCHES = 50  # batches drawn together and sorted by length


# A batch whose mean loss is above this gives its true labels an average
# log-probability below -50: certain, and wrong. Training that gets there has
# diverged (a learning rate far too high), even while its numbers stay finite.
DIVERGED_LOSS = 50.0


class TrainingDiverged(InputError):
    """The loss diverged or stopped being finite, or the parameters did: a
    setting to change (the learning rate), reported like bad input."""


@dataclasses.dataclass(frozen=True)
class TrainSettings:
    hidden_size: int = 64
    cell: str = "rnn"
    layers: int = 1
    bidirectional: bool = False
    head: str = "mean"
    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    clip_norm: float = 5.0
    weight_decay: float = 0.0
    lr_schedule: str = "constant"
    dropout: float = 0.0
    embedding_dropout: float = 0.0
    embedding_lr_scale: float = 1.0
    ema_decay: float = 0.0
    patience: int = 2
    seed: int = 42
    train_embeddings: bool = False
    device: str = "auto"
    dtype: str = "float32"
    flush_subnormals: bool = True
    batch_slices: int = 2
    processes: int = 1  # a runtime matter: results do not depend on it


def model_spec(embeddings_shape, settings):
    """The model the settings describe, over embeddings of this shape."""
    vocab_size, width = embeddings_shape
    return M.ModelSpec(
        vocab_size,
        width,
        settings.hidden_size,
        cell=settings.cell,
        head=settings.head,
        layers=settings.layers,
        bidirectional=settings.bidirectional,
    )


def check_memory(spec, settings, memory_mb):
    """Refuse, before any work, a model whose parameters cannot fit in the
    job's memory. A lower bound: the parameters, their gradients and the kept
    best copy, plus Adam's two moments and the averaged weights (ema_decay)
    for what is trained; activations and data come on top."""
    sizes = {name: int(np.prod(shape)) for name, shape in spec.shapes().items()}
    count = sum(sizes.values())
    trained = count - (0 if settings.train_embeddings else sizes["E"])
    per_trained = (
        1
        + (2 if settings.optimizer == "adam" else 0)
        + (1 if settings.ema_decay else 0)
    )
    floats = 2 * count + per_trained * trained
    need_mb = floats * np.dtype(settings.dtype).itemsize / 2**20
    if need_mb > memory_mb:
        raise InputError(
            f"resources.train_model.mem_mb: {memory_mb} MB is too little for this model "
            f"({spec.cell}, {spec.layers} layer(s), hidden size {spec.hidden_size}"
            f"{', both directions' if spec.bidirectional else ''}: {count:,} "
            f"parameters, at least {need_mb:,.0f} MB with their gradients and the "
            f"{settings.optimizer} state); raise it or choose a smaller model"
        )


def pad_batch(sequences, index):
    """(ids (B, T) int32, lengths (B,)) for `index`, rows sorted longest first.

    Returns the order used too, so that results can be put back.
    """
    lengths = np.array([len(sequences[i]) for i in index])
    order = np.argsort(-lengths, kind="stable")
    index, lengths = np.asarray(index)[order], lengths[order]
    ids = np.zeros((len(index), lengths[0]), dtype=np.int32)  # 0 is PAD
    for row, i in enumerate(index):
        ids[row, : lengths[row]] = sequences[i]
    return ids, lengths, order


def make_batches(lengths, batch_size, rng):
    """Shuffled batches of similar length, so they carry little padding.

    Reviews are shuffled, taken BUCKET_BATCHES batches at a time, sorted by
    length within that pool and cut into batches; the batches are shuffled.
    """
    order = rng.permutation(len(lengths))
    pool = batch_size * BUCKET_BATCHES
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(-lengths[chunk], kind="stable")]
        batches.extend(
            chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)
        )
    return [batches[i] for i in rng.permutation(len(batches))]


# Most tokens in one prediction batch: the forward pass keeps every step's
# gates, so memory grows with rows times the longest row (512 reviews of 1000
# tokens in a both-way GRU held 0.8 GB of gates alone).
PREDICT_TOKENS = 131072


def predict(xp, params, spec, sequences, batch_size=512):
    """Probabilities of "positive" for every sequence, in the given order.

    Batches hold up to `batch_size` rows of similar length, fewer when their
    longest row would take them past PREDICT_TOKENS."""
    lengths = np.array([len(s) for s in sequences])
    by_length = np.argsort(-lengths, kind="stable")
    out = np.empty(len(sequences), dtype=np.float64)
    start = 0
    while start < len(sequences):
        rows = max(1, min(batch_size, PREDICT_TOKENS // lengths[by_length[start]]))
        index = by_length[start : start + rows]
        start += rows
        ids, lens, order = pad_batch(sequences, index)
        p = M.predict_proba(xp, params, spec, xp.asarray(ids), lens)
        out[index[order]] = to_host(p)
    return out


def predict_or_nan(xp, params, spec, sequences):
    """Probabilities with `params` on the host; NaN for texts without tokens."""
    out = np.full(len(sequences), np.nan)
    scorable = np.array([len(s) > 0 for s in sequences], dtype=bool)
    if scorable.any():
        on_device = {k: xp.asarray(v) for k, v in params.items()}
        kept = [s for s, ok in zip(sequences, scorable) if ok]
        out[scorable] = predict(xp, on_device, spec, kept)
    return out


def _validation(xp, params, spec, data):
    """(accuracy, loss) on the validation part; NaN for both when it is empty."""
    sequences, labels = data
    if len(sequences) == 0:
        return math.nan, math.nan
    p = predict(xp, params, spec, sequences)
    eps = 1e-7
    loss = -np.mean(labels * np.log(p + eps) + (1 - labels) * np.log(1 - p + eps))
    return float(np.mean((p >= 0.5) == labels)), float(loss)


def _check_sequences(sequences, vocab_size, what):
    """Token ids are checked on the host: out-of-range ids wrap silently on a GPU."""
    for i, s in enumerate(sequences):
        if len(s) == 0:
            raise InputError(f"{what}: text {i} has no tokens")
        if s.max() >= vocab_size or s.min() < 0:
            raise InputError(
                f"{what}: text {i} has a token id outside 0..{vocab_size - 1}"
            )


def train(
    train_data, valid_data, embeddings, settings, checkpoint=None, fingerprint=""
):
    """Train a model; returns (best params on the host, spec, history rows, backend).

    `train_data` and `valid_data` are (sequences, labels): lists of int32 id
    arrays and 0/1 arrays. `checkpoint` is a path written after every epoch
    and read back at the start when its `fingerprint` matches.
    """
    s = settings
    xp, backend = get_backend(s.device)
    log.info("backend: %s", backend)
    dtype = np.dtype(s.dtype)
    spec = model_spec(embeddings.shape, s)
    sequences, labels = train_data
    _check_sequences(sequences, spec.vocab_size, "training data")
    _check_sequences(valid_data[0], spec.vocab_size, "validation data")
    if not valid_data[0]:
        log.warning("no validation reviews: no early stopping, the last epoch is kept")
    lengths = np.array([len(x) for x in sequences])
    trained = [k for k in spec.shapes() if k != "E" or s.train_embeddings]

    host_params = M.init_params(spec, embeddings, np.random.default_rng(s.seed), dtype)
    params = {k: xp.asarray(v) for k, v in host_params.items()}
    state = optim.init_state(
        xp, {k: params[k] for k in trained}, s.optimizer, s.ema_decay
    )
    best, history, first_epoch = dict(host_params), [], 1
    resumed = _load_checkpoint(checkpoint, fingerprint) if checkpoint else None
    if resumed is not None:
        params = {k: xp.asarray(v) for k, v in resumed["params"].items()}
        state = {
            k: (xp.asarray(v) if k != "step" else v)
            for k, v in resumed["state"].items()
        }
        best, history = resumed["best"], resumed["history"]
        first_epoch = len(history) + 1
        log.info("resumed from %s after epoch %d", checkpoint, len(history))

    total_steps = s.epochs * math.ceil(len(sequences) / s.batch_size)
    with engine(xp, params, spec, s) as (params, sliced):
        for epoch in range(first_epoch, s.epochs + 1):
            if _stop_early(history, s.patience):
                break
            rng = np.random.default_rng([s.seed, epoch])
            batches = make_batches(lengths, s.batch_size, rng)
            started, tokens, loss_sum = time.perf_counter(), 0, 0.0
            bar = tqdm(
                batches, desc=f"epoch {epoch}", unit="batch", disable=None, leave=False
            )
            for step, index in enumerate(bar, start=1):
                ids, lens, order = pad_batch(sequences, index)
                y = labels[index[order]]
                dropout = M.Dropout(
                    s.embedding_dropout, s.dropout, (s.seed, epoch, step)
                )
                rate = optim.scheduled_rate(
                    s.learning_rate, s.lr_schedule, state["step"] + 1, total_steps
                )
                loss = train_step(
                    xp, params, spec, state, s, ids, lens, y, sliced, dropout, rate
                )
                if not math.isfinite(loss) or loss > DIVERGED_LOSS:
                    what = (
                        f"diverging loss {loss:.4g}"
                        if math.isfinite(loss)
                        else "non-finite loss"
                    )
                    raise TrainingDiverged(
                        f"{what} at epoch {epoch}, step {step} "
                        "(try lower learning_rate or gradient clipping)"
                    )
                tokens += int(lens.sum())
                loss_sum += loss
                bar.set_postfix(loss=f"{loss_sum / step:.4f}", refresh=False)
            bar.close()
            seconds = time.perf_counter() - started

            # validation, early-stopping bookkeeping, checkpoint; with
            # ema_decay, of the averaged weights, which are what is kept
            weights = optim.averaged(params, state) if s.ema_decay else params
            # a copy: the optimiser goes on changing `params` in place
            host = {k: np.array(to_host(v), copy=True) for k, v in weights.items()}
            if not all(np.isfinite(v).all() for v in host.values()):
                raise TrainingDiverged(
                    f"non-finite parameters after epoch {epoch} "
                    "(try lower learning_rate or gradient clipping)"
                )
            valid_accuracy, valid_loss = _validation(xp, weights, spec, valid_data)
            row = {
                "epoch": epoch,
                "train_loss": loss_sum / len(batches),
                "valid_loss": valid_loss,
                "valid_accuracy": valid_accuracy,
                "tokens_per_second": tokens / seconds,
                "seconds": seconds,
                "backend": backend,
            }
            history.append(row)
            if best_epoch(history) == epoch:
                best = host
            log.info(
                "epoch %d  loss %.4f  valid_loss %.4f  valid_accuracy %.4f  %.0f tokens/s  %s",
                epoch,
                row["train_loss"],
                valid_loss,
                valid_accuracy,
                row["tokens_per_second"],
                backend,
            )
            if checkpoint:
                current = (
                    {k: to_host(v) for k, v in params.items()} if s.ema_decay else host
                )
                _save_checkpoint(checkpoint, fingerprint, current, state, best, history)
    if history and _stop_early(history, s.patience):
        log.info("early stop: no better validation accuracy in %d epochs", s.patience)
    if history:
        kept = best_epoch(history)
        log.info(
            "kept the parameters of epoch %d (validation accuracy %.4f)",
            kept,
            history[kept - 1]["valid_accuracy"],
        )
    return best, spec, history, backend


@contextlib.contextmanager
def engine(xp, params, spec, settings):
    """What a training loop runs in; yields (params, sliced) for `train_step`.

    On the CPU: freed memory kept by malloc for the next batch (`allocator`),
    the parameters copied into shared memory, the worker processes of
    `parallel.SlicedBatches` started, BLAS on one thread in each process,
    subnormal numbers flushed to zero. On a GPU: the parameters unchanged and
    no slicing (CuPy keeps freed device memory in a pool of its own).
    """
    s = settings
    if xp is not np:
        yield params, None
        return
    keeping = allocator.keep_freed_memory()  # before the workers fork
    params = {k: parallel.shared_array(v) for k, v in params.items()}
    sliced = parallel.SlicedBatches(
        params,
        spec,
        s.batch_slices,
        s.processes,
        s.train_embeddings,
        s.flush_subnormals,
    )
    with (
        sliced,
        threadpool_limits(1),
        subnormal.flushed(s.flush_subnormals) as flushing,
    ):
        log.info(
            "CPU engine: %d slices per batch on %d processes; subnormals %s; "
            "freed memory %s",
            sliced.slices,
            sliced.processes,
            "flushed to zero" if flushing else "not flushed",
            "kept for reuse" if keeping else "returned to the system",
        )
        yield params, sliced


def train_step(
    xp,
    params,
    spec,
    state,
    settings,
    ids,
    lengths,
    labels,
    sliced=None,
    dropout=None,
    learning_rate=None,
):
    """One optimiser step on one sorted batch (host arrays); returns its loss.

    `sliced` (a `parallel.SlicedBatches`) computes the gradients on the CPU;
    without it they are computed in one piece, as on a GPU. `dropout` is the
    batch's `model.Dropout`; `learning_rate` this step's rate from the
    schedule (the settings' rate without one). Reading the loss syncs a GPU,
    which is cheap next to a step.
    """
    s = settings
    rate = s.learning_rate if learning_rate is None else learning_rate
    y = np.asarray(labels, dtype=np.dtype(s.dtype))
    if sliced is not None:
        loss, grads = sliced.loss_and_grads(ids, lengths, y, dropout)
    else:
        loss, grads = M.loss_and_grads(
            xp,
            params,
            spec,
            xp.asarray(ids),
            lengths,
            xp.asarray(y),
            s.train_embeddings,
            dropout=dropout,
        )
    optim.clip_by_global_norm(xp, grads, s.clip_norm)
    optim.update(
        xp,
        params,
        grads,
        state,
        s.optimizer,
        rate,
        s.weight_decay,
        {"E": s.embedding_lr_scale},
    )
    if s.ema_decay:
        optim.average_weights(xp, params, state, s.ema_decay)
    return float(loss)


def best_epoch(history):
    """The epoch whose parameters are kept: the first with the best validation
    accuracy, or the last when there is no validation part (0 before any)."""
    accuracies = np.array([r["valid_accuracy"] for r in history], dtype=float)
    if not len(accuracies) or np.isnan(accuracies).any():
        return len(history)
    return int(np.argmax(accuracies)) + 1


def _stop_early(history, patience):
    """True when the best validation accuracy is `patience` epochs old."""
    return bool(patience) and len(history) - best_epoch(history) >= patience


def _save_checkpoint(path, fingerprint, params, state, best, history):
    arrays = {f"param_{k}": v for k, v in params.items()}
    arrays.update({f"best_{k}": v for k, v in best.items()})
    arrays.update({f"state_{k}": to_host(v) for k, v in state.items()})
    meta = {"fingerprint": fingerprint, "history": history}
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, meta_json=np.array(json.dumps(meta)), **arrays)


def _load_checkpoint(path, fingerprint):
    """The checkpoint's contents when it exists and matches, else None."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta_json"]))
            if meta["fingerprint"] != fingerprint:
                log.info(
                    "checkpoint %s is from other settings or data; starting afresh",
                    path,
                )
                return None
            out = {"params": {}, "best": {}, "state": {}, "history": meta["history"]}
            for key in archive.files:
                group, _, name = key.partition("_")
                if group in ("param", "best", "state"):
                    out["params" if group == "param" else group][name] = archive[key]
    except Exception as err:  # a torn checkpoint is not worth failing over
        log.warning("checkpoint %s unreadable (%s); starting afresh", path, err)
        return None
    out["state"]["step"] = int(out["state"]["step"])
    return out


def probabilities(params, spec, sequences, device="auto"):
    """Probability of "positive" for every sequence (params on the host)."""
    xp, _ = get_backend(device)
    _check_sequences(sequences, spec.vocab_size, "evaluated data")
    return predict(xp, {k: xp.asarray(v) for k, v in params.items()}, spec, sequences)


def evaluate(params, spec, data, device="auto"):
    """Test metrics (accuracy, precision, recall, f1, ROC AUC, confusion matrix)."""
    sequences, labels = data
    return classification_metrics(
        labels, probabilities(params, spec, sequences, device)
    )


def encode_split(reviews, split, index, max_len, truncate):
    """(sequences, labels) of one split of the reviews table."""
    part = reviews[reviews["split"] == split]
    sequences, _ = vocab.encode(part["tokens"], index, max_len, truncate)
    return sequences, part["label"].to_numpy().astype(np.float32)


def sample(data, size, seed):
    """A seeded sample of `size` reviews with the labels' proportions kept."""
    sequences, labels = data
    if size >= len(labels):
        return data
    keep, _ = train_test_split(
        np.arange(len(labels)), train_size=size, random_state=seed, stratify=labels
    )
    keep = np.sort(keep)
    log.warning(
        "training on a sample of %d of %d reviews (max_train_reviews)",
        size,
        len(labels),
    )
    return [sequences[i] for i in keep], labels[keep]
