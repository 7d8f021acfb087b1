"""The model's gradients, its padding behaviour, its numerics and its file format."""

import json

import numpy as np
import pytest

from sentiment_rnn import model as M
from sentiment_rnn.errors import InputError

V, D, H = 9, 3, 4


def tiny_batch(rng, lengths=(5, 2, 1)):
    """One padded batch of the given lengths (sorted longest first)."""
    lengths = np.array(lengths)
    ids = np.zeros((len(lengths), lengths.max()), dtype=np.int32)
    for row, n in enumerate(lengths):
        ids[row, :n] = rng.integers(1, V, size=n)
    return ids, lengths, rng.integers(0, 2, size=len(lengths)).astype(np.float64)


# (layers, bidirectional): one cell; both directions; a stack; a stack of both
SHAPES = [(1, False), (1, True), (2, False), (2, True)]
SHAPE_IDS = ["1", "1-bi", "2", "2-bi"]


def fresh_params(head, rng, cell="rnn", layers=1, bidirectional=False):
    spec = M.ModelSpec(
        V, D, H, cell=cell, head=head, layers=layers, bidirectional=bidirectional
    )
    params = M.init_params(spec, rng.normal(size=(V, D)), rng, dtype=np.float64)
    for name in params:
        if name.startswith("b"):  # nonzero biases exercise every path
            params[name] = rng.normal(size=params[name].shape) * 0.5
    return spec, params


@pytest.mark.parametrize("layers, bidirectional", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("head", M.HEADS)
@pytest.mark.parametrize("cell", M.CELLS)
def test_every_gradient_matches_finite_differences(cell, head, layers, bidirectional):
    """Central differences in float64 on one padded batch of lengths 6, 5, 3,
    2 and 1, so that rows stop at different steps."""
    rng = np.random.default_rng(0)
    spec, params = fresh_params(head, rng, cell, layers, bidirectional)
    ids, lengths, labels = tiny_batch(rng, lengths=(6, 5, 3, 2, 1))
    _, grads = M.loss_and_grads(
        np, params, spec, ids, lengths, labels, train_embeddings=True
    )
    eps = 1e-6
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            old = value[i]
            value[i] = old + eps
            up, _ = M.loss_and_grads(np, params, spec, ids, lengths, labels)
            value[i] = old - eps
            down, _ = M.loss_and_grads(np, params, spec, ids, lengths, labels)
            value[i] = old
            numeric[i] = (up - down) / (2 * eps)
        scale = np.abs(numeric).max() + np.abs(grads[name]).max()
        relative = np.abs(numeric - grads[name]).max() / max(scale, 1e-12)
        assert relative < 1e-6, f"{spec}: d{name} off by {relative:.2e}"


def test_embedding_gradient_adds_up_repeated_words():
    """A word twice in a batch gets the sum of both contributions."""
    rng = np.random.default_rng(1)
    spec, params = fresh_params("mean", rng)
    ids = np.array([[3, 3, 3]], dtype=np.int32)
    _, grads = M.loss_and_grads(
        np, params, spec, ids, np.array([3]), np.array([1.0]), True
    )
    assert np.abs(grads["E"][3]).sum() > 0
    assert np.all(grads["E"][np.arange(V) != 3] == 0)


@pytest.mark.parametrize("layers, bidirectional", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("head", M.HEADS)
@pytest.mark.parametrize("cell", M.CELLS)
def test_a_review_scores_the_same_alone_and_in_a_padded_batch(
    cell, head, layers, bidirectional
):
    rng = np.random.default_rng(2)
    spec, params = fresh_params(head, rng, cell, layers, bidirectional)
    ids, lengths, _ = tiny_batch(rng, lengths=(7, 4, 2))
    together = M.predict_proba(np, params, spec, ids, lengths)
    for row, n in enumerate(lengths):
        alone = M.predict_proba(
            np, params, spec, ids[row : row + 1, :n], lengths[row : row + 1]
        )
        assert alone[0] == pytest.approx(together[row], abs=1e-12)


@pytest.mark.parametrize("layers, bidirectional", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("cell", M.CELLS)
def test_padding_values_never_matter(cell, layers, bidirectional):
    """Whatever ids sit in the padding, the loss and every gradient are identical."""
    rng = np.random.default_rng(3)
    spec, params = fresh_params("max", rng, cell, layers, bidirectional)
    ids, lengths, labels = tiny_batch(rng)
    noisy = ids.copy()
    noisy[noisy == 0] = 5
    for row, n in enumerate(lengths):
        noisy[row, :n] = ids[row, :n]
    assert (noisy != ids).any()
    loss_a, grads_a = M.loss_and_grads(np, params, spec, ids, lengths, labels, True)
    loss_b, grads_b = M.loss_and_grads(np, params, spec, noisy, lengths, labels, True)
    assert loss_a == loss_b
    for name in grads_a:
        np.testing.assert_array_equal(grads_a[name], grads_b[name], err_msg=name)


@pytest.mark.parametrize("layers, bidirectional", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("cell", M.CELLS)
def test_padded_batch_gives_the_gradients_of_its_rows_alone(
    cell, layers, bidirectional
):
    """The mean loss of a batch is the mean of its rows' losses, so its
    gradients are the mean of each row's gradients computed on its own."""
    rng = np.random.default_rng(8)
    spec, params = fresh_params("mean", rng, cell, layers, bidirectional)
    ids, lengths, labels = tiny_batch(rng, lengths=(6, 3, 1))
    _, together = M.loss_and_grads(np, params, spec, ids, lengths, labels, True)
    alone = [
        M.loss_and_grads(
            np,
            params,
            spec,
            ids[r : r + 1, :n],
            lengths[r : r + 1],
            labels[r : r + 1],
            True,
        )[1]
        for r, n in enumerate(lengths)
    ]
    for name in together:
        mean = sum(g[name] for g in alone) / len(alone)
        np.testing.assert_allclose(together[name], mean, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("cell", M.CELLS)
def test_the_backward_direction_reads_each_row_from_its_end(cell):
    """A bidirectional model is its forward cell plus its backward cell run on
    each review with its tokens reversed: both pooled with the last head."""
    rng = np.random.default_rng(11)
    spec, params = fresh_params("last", rng, cell, bidirectional=True)
    ids, lengths, _ = tiny_batch(rng, lengths=(6, 4, 1))
    z, _ = M.forward(np, params, spec, ids, lengths)
    one_way = M.ModelSpec(V, D, H, cell=cell, head="last")
    halves = []
    for suffix, reverse in (("", False), ("_r", True)):
        part = {
            k: params[k + suffix]
            for k in one_way.shapes()
            if k not in ("E", "Wy", "by")
        }
        part.update(E=params["E"], Wy=np.zeros(H), by=np.zeros(1))
        rows = [
            ids[r, :n][::-1] if reverse else ids[r, :n] for r, n in enumerate(lengths)
        ]
        padded = np.zeros_like(ids)
        for r, row in enumerate(rows):
            padded[r, : len(row)] = row
        _, cache = M.forward(np, part, one_way, padded, lengths)
        halves.append(cache[5])  # pooled: the final state of each row
    expected = np.concatenate(halves, axis=1) @ params["Wy"] + params["by"]
    np.testing.assert_allclose(z, expected, rtol=1e-12)


def test_a_model_file_of_one_layer_and_direction_still_loads(tmp_path):
    """Files written before layers and directions existed hold no such keys."""
    rng = np.random.default_rng(12)
    spec, params = fresh_params("max", rng)
    path = save(tmp_path, params, spec)
    with np.load(path) as archive:
        arrays = dict(archive)
    meta = json.loads(str(arrays["meta_json"]))
    del meta["spec"]["layers"], meta["spec"]["bidirectional"]
    arrays["meta_json"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    _, loaded, _ = M.load_params(path)
    assert loaded == spec


def test_unsorted_batch_is_refused():
    rng = np.random.default_rng(4)
    spec, params = fresh_params("mean", rng)
    ids, _, _ = tiny_batch(rng)
    with pytest.raises(AssertionError, match="sorted longest first"):
        M.predict_proba(np, params, spec, ids, np.array([1, 2, 5]))


def test_hand_worked_one_step():
    """One token, H=1: p = sigmoid(tanh(x*Wxh + bh) * Wy + by)."""
    spec = M.ModelSpec(vocab_size=2, embedding_dim=1, hidden_size=1)
    params = {
        "E": np.array([[0.0], [2.0]]),
        "Wxh": np.array([[0.5]]),
        "Whh": np.array([[9.0]]),
        "bh": np.array([0.0]),
        "Wy": np.array([3.0]),
        "by": np.array([-1.0]),
    }
    # h = tanh(2 * 0.5) = 0.761594; z = 3 * 0.761594 - 1 = 1.284782;
    # p = 1 / (1 + exp(-1.284782)) = 1 / 1.276716 = 0.783263
    p = M.predict_proba(np, params, spec, np.array([[1]]), np.array([1]))
    assert p[0] == pytest.approx(0.783263, abs=1e-6)


def test_sigmoid_and_loss_are_stable_at_extremes():
    with np.errstate(all="raise"):
        s = M.sigmoid(np, np.array([-1000.0, 0.0, 1000.0]))
        loss = M.bce_with_logits(np, np.array([-1000.0]), np.array([1.0]))
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0], rtol=0, atol=1e-30)
    assert loss == pytest.approx(1000.0)


def save(tmp_path, params, spec):
    path = tmp_path / "params.npz"
    M.save_params(path, params, spec)
    return path


def test_params_round_trip_without_pickle(tmp_path):
    rng = np.random.default_rng(5)
    spec, params = fresh_params("last", rng)
    loaded, spec2, _ = M.load_params(save(tmp_path, params, spec))
    assert spec2 == spec
    for k in params:
        np.testing.assert_array_equal(loaded[k], params[k])


def test_truncated_model_file_is_named(tmp_path):
    rng = np.random.default_rng(6)
    spec, params = fresh_params("mean", rng)
    path = save(tmp_path, params, spec)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(
        InputError, match=r"model file \S*/params\.npz is truncated or corrupt"
    ):
        M.load_params(path)


def test_wrong_shape_and_missing_parameter_are_named(tmp_path):
    rng = np.random.default_rng(7)
    spec, params = fresh_params("mean", rng)
    bad = dict(params, Whh=np.zeros((2, 2)))
    with pytest.raises(
        InputError, match=r"parameter 'Whh' has shape \(2, 2\) expected \(4, 4\)"
    ):
        M.load_params(save(tmp_path, bad, spec))
    del params["Wy"]
    with pytest.raises(InputError, match="missing parameter 'Wy'"):
        M.load_params(save(tmp_path, params, spec))


def test_cpu_max_head_matches_a_masked_argmax_with_ties():
    """The CPU's max head (one reduction per group of rows of one length, the
    winner found in the backward pass) pools the same values and sends the
    gradient to the same step as an argmax over all steps with the finished
    rows masked out, including the first of tied maxima (saturated units
    give exact ties) and maxima below the zeros of finished rows."""
    rng = np.random.default_rng(9)
    lengths = np.array([7, 7, 5, 2, 2, 1])
    T, B, H = 7, len(lengths), 6
    states = np.round(rng.uniform(-1, 1, size=(T, B, H)), 1)  # many ties
    states[:, 3] = -0.5  # a row whose every valid step ties, all below zero
    valid = np.arange(T)[:, None] < lengths[None, :]
    states[~valid] = 0.0
    hs = np.concatenate([np.zeros((1, B, H)), states])
    pooled, cache = M.head_forward(np, hs, lengths, "max")
    expected_arg = np.where(valid[:, :, None], states, -np.inf).argmax(axis=0)
    np.testing.assert_array_equal(
        pooled, np.take_along_axis(states, expected_arg[None], axis=0)[0]
    )
    dpooled = rng.normal(size=(B, H))
    dhs = M.head_backward(np, dpooled, hs, lengths, "max", cache)
    expected = np.zeros((T, B, H))
    np.put_along_axis(expected, expected_arg[None], dpooled[None], axis=0)
    np.testing.assert_array_equal(dhs, expected)


@pytest.mark.parametrize("head", ["max", "maxmean"])
@pytest.mark.parametrize("cell", M.CELLS)
def test_gradients_with_dropout_match_finite_differences(cell, head):
    """With the masks of one key held fixed, dropout is a product by a
    constant: every gradient still matches central differences."""
    rng = np.random.default_rng(12)
    spec, params = fresh_params(head, rng, cell, 2, True)
    ids, lengths, labels = tiny_batch(rng, lengths=(6, 5, 3, 2, 1))
    dropout = M.Dropout(embedding=0.3, output=0.4, key=(7, 1, 1))
    _, grads = M.loss_and_grads(
        np, params, spec, ids, lengths, labels, True, dropout=dropout
    )
    eps = 1e-6
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            old = value[i]
            losses = []
            for shifted in (old + eps, old - eps):
                value[i] = shifted
                loss, _ = M.loss_and_grads(
                    np, params, spec, ids, lengths, labels, dropout=dropout
                )
                losses.append(loss)
            value[i] = old
            numeric[i] = (losses[0] - losses[1]) / (2 * eps)
        scale = np.abs(numeric).max() + np.abs(grads[name]).max()
        relative = np.abs(numeric - grads[name]).max() / max(scale, 1e-12)
        assert relative < 1e-6, f"{spec}: d{name} off by {relative:.2e}"


def test_dropout_masks_scale_what_is_kept_and_follow_their_key():
    dropout = M.Dropout(embedding=0.25, output=0.5, key=(1, 2))
    inputs, pooled = dropout.masks(np, (40, 30, 20), (300, 10), np.dtype(np.float32))
    assert set(np.unique(inputs)) == {0.0, np.float32(1 / 0.75)}
    assert set(np.unique(pooled)) == {0.0, 2.0}
    assert abs((inputs == 0).mean() - 0.25) < 0.01
    assert abs((pooled == 0).mean() - 0.5) < 0.03
    again, _ = dropout.masks(np, (40, 30, 20), (300, 10), np.dtype(np.float32))
    np.testing.assert_array_equal(inputs, again)
    other, _ = dropout.part(1).masks(np, (40, 30, 20), (300, 10), np.dtype(np.float32))
    assert not np.array_equal(inputs, other)
    assert (
        M.Dropout(output=0.5).masks(np, (2, 2, 2), (2, 2), np.dtype(float))[0] is None
    )
    assert not M.Dropout()


def test_dropout_changes_training_outputs_only():
    """Without a Dropout the logits are those of inference; with one they move."""
    rng = np.random.default_rng(13)
    spec, params = fresh_params("mean", rng, "gru")
    ids, lengths, _ = tiny_batch(rng)
    plain, _ = M.forward(np, params, spec, ids, lengths)
    np.testing.assert_array_equal(
        plain, M.predict_proba(np, params, spec, ids, lengths) * 0 + plain
    )
    dropped, _ = M.forward(np, params, spec, ids, lengths, M.Dropout(0.5, 0.5, (3,)))
    assert not np.allclose(plain, dropped)


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"max_len": "512"}, r"max_len in the model description .* got '512'"),
        ({"max_len": 0}, r"max_len in the model description .* got 0"),
        ({"truncate": "middle"}, r"truncate in the model description .* 'middle'"),
    ],
)
def test_how_a_model_cuts_texts_is_checked_on_loading(tmp_path, extra, message):
    """Scoring cuts paragraphs as the model's training reviews were cut, from
    the model file's description: a hand-edited value is named."""
    rng = np.random.default_rng(8)
    spec, params = fresh_params("max", rng)
    path = tmp_path / "model.npz"
    M.save_params(path, params, spec, {"max_len": 512, "truncate": "first", **extra})
    with pytest.raises(InputError, match=message):
        M.load_params(path)
    M.save_params(path, params, spec, {"max_len": 512, "truncate": "last"})
    assert M.load_params(path)[2]["max_len"] == 512
