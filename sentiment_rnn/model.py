"""A recurrent sentiment classifier, forward and backward passes by hand.

Legend (B batch, T steps, D embedding width, H hidden width, V vocabulary):

    E      (V, D)  embedding matrix; row 0 (PAD) is never read by a valid step
    X      (T, B, D)  embedded inputs, time-major
    hs     (T+1, B, H)  hidden states of the cell; hs[0] = 0
    Wy     (H,)    output weights
    by     (1,)    output bias
    z      (B,)    logits; p = sigmoid(z) is the probability of "positive"

Cell: vanilla tanh RNN, LSTM or GRU, with their own weights (see `cells`).
Head: pooled = mean, max or last of the valid states, or max and mean side by
side (maxmean);  z = pooled Wy + by
Loss: binary cross-entropy computed from the logits.

Dropout (training only, `Dropout`): X and `pooled` multiplied by masks of
zeros and 1/(1 - rate), so that their expected values are those seen at
inference, where nothing is dropped.

Bidirectional: a second cell of the same kind reads every row backwards, from
its last token to its first; each direction is pooled over its own states and
the two pooled vectors are concatenated (so `last` is each direction's final
state). Layers: from the second layer on, a cell reads the states of the
layer below, both directions side by side at each token. Parameters of the
first layer's forward cell keep the cell's own names (`Whh`); the others add
`_r` for the backward direction and `_l2`, `_l3`... for higher layers.

Batches are sorted by length, longest first, so that the rows still running
at step t are a prefix `[:steps[t]]`. Only that prefix is computed: padding
never enters a product, so it cannot change a result, and short rows cost
nothing after their end. States of finished rows stay zero in `hs`.

Gradients follow the same phases in reverse: output layer, head, then
backpropagation through time in the cell, then the embedding rows.
"""

import dataclasses
import json
import numbers
import zipfile

import numpy as np
import scipy.sparse

from . import cells
from .errors import InputError

CELLS = tuple(cells.FORWARD)
HEADS = ("mean", "max", "last", "maxmean")


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """The shape of a model: everything needed to rebuild its parameters."""

    vocab_size: int
    embedding_dim: int
    hidden_size: int
    cell: str = "rnn"
    head: str = "mean"
    layers: int = 1
    bidirectional: bool = False

    def __post_init__(self):
        # also the check of a model file's description (load_params), which
        # may have been edited by hand: types as well as values
        for field in ("vocab_size", "embedding_dim", "hidden_size", "layers"):
            value = getattr(self, field)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                raise ValueError(f"{field} must be an integer, got {value!r}")
            if value < 1:
                raise ValueError(f"{field} must be at least 1, got {value}")
        if not isinstance(self.bidirectional, bool):
            raise ValueError(
                f"bidirectional must be true or false, got {self.bidirectional!r}"
            )
        if self.cell not in CELLS:
            raise ValueError(f"cell {self.cell!r} is not supported; use one of {CELLS}")
        if self.head not in HEADS:
            raise ValueError(f"head {self.head!r} is not supported; use one of {HEADS}")

    @property
    def pooled_width(self):
        """Width of the head's output for one direction."""
        return self.hidden_size * (2 if self.head == "maxmean" else 1)

    @property
    def directions(self):
        """(False,) or (False, True): whether each direction reads backwards."""
        return (False, True) if self.bidirectional else (False,)

    def cell_layout(self):
        """(layer, backwards, parameter suffix, input width) of every cell, in
        the order of computation."""
        width = self.embedding_dim
        out = []
        for layer in range(self.layers):
            for backwards in self.directions:
                suffix = (f"_l{layer + 1}" if layer else "") + (
                    "_r" if backwards else ""
                )
                out.append((layer, backwards, suffix, width))
            width = self.hidden_size * len(self.directions)
        return out

    def shapes(self):
        V, D, H = self.vocab_size, self.embedding_dim, self.hidden_size
        shapes = {"E": (V, D)}
        for _, _, suffix, width in self.cell_layout():
            for name, shape in cells.shapes(self.cell, width, H).items():
                shapes[name + suffix] = shape
        shapes["Wy"] = (self.pooled_width * len(self.directions),)
        shapes["by"] = (1,)
        return shapes


def init_params(spec, embeddings, rng, dtype=np.float32):
    """Fresh parameters: the given embeddings, each cell's own initialisation
    (`cells.init`), a small uniform output layer."""
    D, H = spec.embedding_dim, spec.hidden_size
    assert embeddings.shape == (spec.vocab_size, D), (
        "embedding matrix does not fit the spec"
    )
    params = {"E": embeddings}
    for _, _, suffix, width in spec.cell_layout():
        for name, value in cells.init(spec.cell, width, H, rng).items():
            params[name + suffix] = value
    pooled = spec.pooled_width * len(spec.directions)
    params["Wy"] = rng.uniform(-1, 1, size=pooled) / np.sqrt(pooled)
    params["by"] = np.zeros(1)
    return {k: np.asarray(v, dtype=dtype) for k, v in params.items()}


@dataclasses.dataclass(frozen=True)
class Dropout:
    """Inverted dropout for one batch: each embedded input value is zeroed
    with probability `embedding`, each pooled feature with `output`.

    The masks are drawn on the host from `default_rng(key)`, so a key gives
    the same masks on every backend and in every process; training keys them
    by (seed, epoch, step, slice)."""

    embedding: float = 0.0
    output: float = 0.0
    key: tuple = (0,)

    def __bool__(self):
        return bool(self.embedding or self.output)

    def part(self, k):
        """The dropout of slice `k` of the batch: masks of its own."""
        return dataclasses.replace(self, key=(*self.key, k))

    def masks(self, xp, input_shape, pooled_shape, dtype):
        """(mask of the inputs or None, mask of the pooled features or None)."""
        rng = np.random.default_rng(list(self.key))
        out = []
        for rate, shape in ((self.embedding, input_shape), (self.output, pooled_shape)):
            if not rate:
                out.append(None)
                continue
            kept = rng.random(shape, dtype=np.float32) >= rate
            out.append(xp.asarray(kept.astype(dtype) * dtype.type(1 / (1 - rate))))
        return out


# exp(-80) ~ 1.8e-35 is still a normal float32: clipping |z| there keeps exp
# from overflowing or underflowing, and changes results by under 1e-34.
EXP_LIMIT = 80.0


def sigmoid(xp, z):
    """Logistic function without overflow: exp only of non-positive numbers."""
    e = xp.exp(-xp.minimum(xp.abs(z), EXP_LIMIT))
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def bce_with_logits(xp, z, y):
    """Mean binary cross-entropy from logits: max(z,0) - z*y + log(1+exp(-|z|))."""
    return xp.mean(
        xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-xp.minimum(xp.abs(z), EXP_LIMIT)))
    )


def active_rows(lengths, T):
    """steps[t]: how many rows (sorted longest first) are still running at t."""
    lengths = np.asarray(lengths)
    assert np.all(lengths[:-1] >= lengths[1:]), (
        "batch rows must be sorted longest first"
    )
    assert lengths.min() >= 1, "every row needs at least one token"
    return [int(n) for n in np.searchsorted(-lengths, -np.arange(T), side="left")]


def head_forward(xp, hs, lengths, head):
    """Pool the valid states of each row. hs (T+1, B, H) -> (B, H), cache;
    (B, 2H) for maxmean, the max first."""
    states = hs[1:]  # (T, B, H)
    T, B, H = states.shape
    if head == "maxmean":
        top, cache = head_forward(xp, hs, lengths, "max")
        average, _ = head_forward(xp, hs, lengths, "mean")
        return xp.concatenate([top, average], axis=1), cache
    if head == "mean":
        return states.sum(axis=0) / lengths[:, None].astype(states.dtype), None
    if head == "last":
        return states[lengths - 1, xp.arange(B)], None
    if xp is np:
        return _grouped_max(states, lengths)
    # max on a GPU, in bulk: finished rows hold zeros, which must not win
    mask = xp.arange(T)[:, None] < lengths[None, :]  # (T, B)
    masked = xp.where(mask[:, :, None], states, -xp.inf)
    arg = masked.argmax(axis=0)  # (B, H)
    return xp.take_along_axis(states, arg[None], axis=0)[0], arg


def _length_groups(lengths):
    """(length, first row, end row) of each run of rows of one length; rows
    are sorted longest first, so the rows of one length are contiguous."""
    lengths = np.asarray(lengths)
    cuts = [0, *(np.flatnonzero(np.diff(lengths)) + 1).tolist(), len(lengths)]
    return [(int(lengths[a]), a, b) for a, b in zip(cuts[:-1], cuts[1:])]


def _grouped_max(states, lengths):
    """Max over the valid steps on a CPU: one reduction over time per group of
    rows of one length, each over exactly that group's valid steps.

    A reduction over the time axis runs at memory speed in NumPy, where an
    argmax over it costs some 30 times more and a running max costs three
    small operations per step; the winning step is found in the backward
    pass (`_grouped_max_backward`). Returns (pooled, its cache)."""
    T, B, H = states.shape
    pooled = np.empty((B, H), dtype=states.dtype)
    groups = _length_groups(lengths)
    for L, a, b in groups:
        np.max(states[:L, a:b], axis=0, out=pooled[a:b])
    return pooled, (pooled, groups)


def _grouped_max_backward(dpooled, states, pooled, groups):
    """dLoss/dh_t from dLoss/dpooled: each (row, unit) gets its gradient at the
    first valid step that holds its maximum, as an argmax would choose.

    Ties (saturated units give exact ones) are found by counting the steps
    that equal the maximum and are resolved by an argmax over those few
    (row, unit) pairs only."""
    won = states == pooled  # (T, B, H), at memory speed over the whole batch
    for L, a, b in groups:
        won[L:, a:b] = False  # finished rows hold zeros, which may equal a max
    count = np.add.reduce(won, axis=0, dtype=np.int32)
    rows, units = np.nonzero(count > 1)
    if len(rows):
        first = won[:, rows, units].argmax(axis=0)
        won[:, rows, units] = False
        won[first, rows, units] = True
    dhs = np.zeros(states.shape, dtype=dpooled.dtype)
    np.copyto(dhs, dpooled, where=won)
    return dhs


def head_backward(xp, dpooled, hs, lengths, head, cache):
    """dLoss/dh_t (T, B, H) for every step from dLoss/dpooled (B, H), or
    (B, 2H) for maxmean."""
    if head == "maxmean":
        H = dpooled.shape[1] // 2
        dhs = head_backward(xp, dpooled[:, :H], hs, lengths, "max", cache)
        dhs += head_backward(xp, dpooled[:, H:], hs, lengths, "mean", None)
        return dhs
    T, B, H = hs.shape[0] - 1, *dpooled.shape
    if head == "mean":
        mask = (xp.arange(T)[:, None] < lengths[None, :]).astype(dpooled.dtype)
        return (
            mask[:, :, None] * (dpooled / lengths[:, None].astype(dpooled.dtype))[None]
        )
    if head == "last":
        dhs = xp.zeros((T, B, H), dtype=dpooled.dtype)
        dhs[lengths - 1, xp.arange(B)] = dpooled
        return dhs
    if xp is np:
        pooled, groups = cache
        return _grouped_max_backward(dpooled, hs[1:], pooled, groups)
    # max: the gradient goes to the step that won, one step per row and unit,
    # so a plain assignment is a scatter without repeated indices
    dhs = xp.zeros((T, B, H), dtype=dpooled.dtype)
    xp.put_along_axis(dhs, cache[None], dpooled[None], axis=0)
    return dhs


def backwards_order(xp, lengths, T):
    """(steps, rows) that read each row from its last token to its first:
    a[steps, rows] of a time-major (T, B, ...) array `a` holds, at step t of
    row b, what `a` holds at step L_b - 1 - t (padding steps stay in place).

    Applying it twice gives the array back, so the same index also puts the
    backward direction's states and gradients back in reading order."""
    lengths = np.asarray(lengths)
    t = np.arange(T)[:, None]
    steps = np.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)
    return xp.asarray(steps), xp.arange(len(lengths))[None, :]


def _cell_params(params, spec, suffix):
    """One cell's parameters under the names `cells` uses."""
    return {name: params[name + suffix] for name in cells.shapes(spec.cell, 1, 1)}


def forward(xp, params, spec, ids, lengths, dropout=None):
    """Logits for a batch. ids (B, T) on the device; lengths (B,) a NumPy array
    on the host, sorted longest first; `dropout` a `Dropout` while training.

    Returns (z, cache); the cache holds what `backward` needs.
    """
    B, T = ids.shape
    steps = active_rows(lengths, T)
    lengths_d = xp.asarray(lengths)
    flip = backwards_order(xp, lengths, T) if spec.bidirectional else None
    E = params["E"]
    input_mask, pooled_mask = (
        dropout.masks(
            xp,
            (T, B, spec.embedding_dim),
            (B, len(spec.directions) * spec.pooled_width),
            np.dtype(E.dtype),
        )
        if dropout
        else (None, None)
    )
    inputs = E[ids.T]  # (T, B, D)
    if input_mask is not None:
        inputs *= input_mask
    runs = []  # (X, hs, cell cache) of every cell, in spec.cell_layout() order
    for layer, backwards, suffix, _ in spec.cell_layout():
        X = inputs[flip[0], flip[1]] if backwards else inputs
        hs, cell_cache = cells.FORWARD[spec.cell](
            xp, _cell_params(params, spec, suffix), X, steps
        )
        runs.append((X, hs, cell_cache))
        if backwards or not spec.bidirectional:  # the layer is complete
            if layer + 1 < spec.layers:
                inputs = _layer_output(xp, runs[-len(spec.directions) :], flip)
    top = runs[-len(spec.directions) :]
    heads = [head_forward(xp, hs, lengths_d, spec.head) for _, hs, _ in top]
    pooled = heads[0][0]
    if spec.bidirectional:
        pooled = xp.concatenate([p for p, _ in heads], axis=1)
    if pooled_mask is not None:
        pooled = pooled * pooled_mask
    z = pooled @ params["Wy"] + params["by"]  # (B,)
    masks = (input_mask, pooled_mask)
    cache = (ids, lengths_d, steps, flip, runs, pooled, [c for _, c in heads], masks)
    return z, cache


def _layer_output(xp, layer_runs, flip):
    """States of one layer as the next layer's input (T, B, H * directions),
    the backward direction's put back in reading order."""
    states = [hs[1:] for _, hs, _ in layer_runs]
    if len(states) == 1:
        return states[0]
    return xp.concatenate([states[0], states[1][flip[0], flip[1]]], axis=-1)


def backward(xp, params, spec, cache, dz, train_embeddings):
    """Gradients of every parameter from dLoss/dz (B,)."""
    ids, lengths, steps, flip, runs, pooled, head_caches, masks = cache
    input_mask, pooled_mask = masks
    H, P = spec.hidden_size, spec.pooled_width

    # output layer and heads, one head per direction of the top layer
    grads = {"Wy": pooled.T @ dz, "by": dz.sum(keepdims=True)}
    dpooled = dz[:, None] * params["Wy"][None, :]  # (B, P * directions)
    if pooled_mask is not None:
        dpooled *= pooled_mask
    top = runs[-len(spec.directions) :]
    dstates = [  # dLoss/dh of each cell of the layer, in its own reading order
        head_backward(
            xp, dpooled[:, k * P : (k + 1) * P], hs, lengths, spec.head, head_cache
        )
        for k, ((_, hs, _), head_cache) in enumerate(zip(top, head_caches))
    ]

    # recurrence, top layer first; each layer hands dLoss/d(its input) down
    order = spec.cell_layout()
    for layer in reversed(range(spec.layers)):
        want_dX = layer > 0 or train_embeddings
        dinputs = None
        for k, backwards in enumerate(spec.directions):
            index = layer * len(spec.directions) + k
            _, _, suffix, _ = order[index]
            X, hs, cell_cache = runs[index]
            cell_grads, dX = cells.BACKWARD[spec.cell](
                xp,
                _cell_params(params, spec, suffix),
                X,
                hs,
                cell_cache,
                dstates[k],
                steps,
                want_dX,
            )
            grads.update({name + suffix: g for name, g in cell_grads.items()})
            if want_dX:
                if backwards:
                    dX = dX[flip[0], flip[1]]  # back in reading order
                dinputs = dX if dinputs is None else dinputs + dX
        if layer > 0:
            dstates = [xp.ascontiguousarray(dinputs[..., :H])]
            if spec.bidirectional:
                dstates.append(dinputs[..., H:][flip[0], flip[1]])

    # embeddings: repeated ids must add up, so scatter-add, not assignment
    if train_embeddings:
        if input_mask is not None:
            dinputs = dinputs * input_mask
        grads["E"] = _embedding_grad(
            xp,
            params["E"].shape,
            ids.T.reshape(-1),
            dinputs.reshape(-1, dinputs.shape[-1]),
        )
    return grads


def _embedding_grad(xp, shape, index, values):
    """dE (V, D): row v is the sum of `values` rows whose `index` is v.

    On the CPU this is a product with the (V, N) matrix that has a one at
    (index[n], n), stored sparse (scipy): about ten times faster here than
    np.add.at on a batch's 8,000 tokens. On a GPU, cupyx's scatter-add.
    """
    if xp is np:
        n = len(index)
        pick = scipy.sparse.csc_array(
            (np.ones(n, dtype=values.dtype), index, np.arange(n + 1)),
            shape=(shape[0], n),
        )
        return np.asarray(pick @ values)
    import cupyx

    out = xp.zeros(shape, dtype=values.dtype)
    cupyx.scatter_add(out, index, values)
    return out


def loss_and_grads(
    xp,
    params,
    spec,
    ids,
    lengths,
    labels,
    train_embeddings=False,
    batch_rows=None,
    dropout=None,
):
    """Mean BCE loss of a batch and the gradients of every trained parameter.

    When these rows are a slice of a batch of `batch_rows` rows, the loss and
    gradients are the slice's share of the whole batch's mean: the slices'
    results add up to the batch's.
    """
    z, cache = forward(xp, params, spec, ids, lengths, dropout)
    rows = z.shape[0] if batch_rows is None else batch_rows
    loss = bce_with_logits(xp, z, labels) * (z.shape[0] / rows)
    dz = (sigmoid(xp, z) - labels) / rows
    return loss, backward(xp, params, spec, cache, dz, train_embeddings)


def predict_proba(xp, params, spec, ids, lengths):
    """Probability of "positive" for each row of a sorted batch."""
    z, _ = forward(xp, params, spec, ids, lengths)
    return sigmoid(xp, z)


# Saving and loading: plain arrays in an .npz, never pickles.

META_KEY = "meta_json"


def save_params(path, params, spec, extra=None):
    """Write parameters and the spec (as JSON text) to an .npz file."""
    meta = {"spec": dataclasses.asdict(spec), **(extra or {})}
    arrays = {k: np.asarray(v) for k, v in params.items()}
    with open(path, "wb") as handle:
        np.savez(handle, **arrays, **{META_KEY: np.array(json.dumps(meta))})


def load_params(path):
    """(params, spec, meta) from an .npz written by `save_params`.

    Loaded with allow_pickle=False: a file holding pickled objects is refused
    before any of it runs. Missing parameters and wrong shapes are named.
    """
    name = str(path)  # as given (results/model/params.npz from the workflow)
    with open(path, "rb") as handle:
        head = handle.read(6)
    if head.startswith(b"\x80"):  # the opcode that opens a pickle (protocol 2+)
        raise InputError(f"{name}: model file contains pickled objects; refused")
    if not head.startswith((b"PK\x03\x04", b"\x93NUMPY")):
        raise InputError(
            f"model file {name} is truncated or corrupt (not a zip archive)"
        )
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise InputError(f"{name}: not an .npz model file (found a plain array)")
        with archive:
            arrays = {k: archive[k] for k in archive.files}
    except InputError:
        raise
    except ValueError as err:
        if "pickle" in str(err):
            raise InputError(
                f"{name}: model file contains pickled objects; refused"
            ) from None
        raise InputError(f"model file {name} is truncated or corrupt ({err})") from None
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        raise InputError(f"model file {name} is truncated or corrupt ({err})") from None
    if META_KEY not in arrays:
        raise InputError(f"{name}: missing parameter {META_KEY!r} (not a model file)")
    try:
        meta = json.loads(str(arrays.pop(META_KEY)))
        spec = ModelSpec(**meta["spec"])
    except (ValueError, KeyError, TypeError) as err:
        raise InputError(
            f"{name}: the model description ({META_KEY}) is not valid: {err!r}"
        ) from None
    max_len, truncate = meta.get("max_len"), meta.get("truncate", "first")
    if max_len is not None and (
        not isinstance(max_len, int) or isinstance(max_len, bool) or max_len < 1
    ):
        raise InputError(
            f"{name}: max_len in the model description must be a positive "
            f"whole number or null, got {max_len!r}"
        )
    if truncate not in ("first", "last"):
        raise InputError(
            f"{name}: truncate in the model description must be 'first' or "
            f"'last', got {truncate!r}"
        )
    for key, shape in spec.shapes().items():
        if key not in arrays:
            raise InputError(f"{name}: missing parameter {key!r}")
        value = arrays[key]
        if value.shape != shape:
            raise InputError(
                f"{name}: parameter {key!r} has shape {value.shape} expected {shape}"
            )
        if value.dtype.kind != "f":
            raise InputError(
                f"{name}: parameter {key!r} holds {value.dtype} values, "
                "expected floating-point numbers"
            )
        finite = np.isfinite(value)
        if not finite.all():
            bad = int(value.size - finite.sum())
            raise InputError(
                f"{name}: parameter {key!r} has {bad} non-finite values "
                "(NaN or infinity); expected finite numbers"
            )
    return arrays, spec, meta


def check_vocabulary(spec, n_words, vocab_path, params_path):
    """The vocabulary a model is used with must be the one it was trained on:
    same size, so that every word id means the same word."""
    if n_words != spec.vocab_size:
        raise InputError(
            f"{vocab_path} has {n_words} entries but the model in {params_path} "
            f"expects {spec.vocab_size}: train the model again with this vocabulary"
        )
