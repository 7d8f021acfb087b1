"""Training: optimiser steps, determinism, resume, early stopping, divergence."""

import dataclasses

import numpy as np
import pytest

from sentiment_rnn import optim, train
from sentiment_rnn.errors import InputError


def tiny_data(n=24, seed=0, vocab_size=12):
    """Texts whose label is whether word 2 occurs more often than word 3."""
    rng = np.random.default_rng(seed)
    sequences, labels = [], []
    for i in range(n):
        label = i % 2
        length = int(rng.integers(1, 9))
        words = rng.integers(4, vocab_size, size=length)
        words[rng.integers(0, length)] = 2 if label else 3
        sequences.append(words.astype(np.int32))
        labels.append(label)
    return sequences, np.array(labels, dtype=np.float32)


def embeddings(vocab_size=12, dim=3, seed=1):
    return np.random.default_rng(seed).normal(size=(vocab_size, dim)).astype(np.float32)


SETTINGS = train.TrainSettings(
    hidden_size=5, epochs=3, batch_size=8, device="cpu", learning_rate=0.01, patience=0
)


def test_clip_by_global_norm_scales_all_gradients_together():
    grads = {"a": np.array([3.0]), "b": np.array([4.0])}  # joint norm 5
    norm = optim.clip_by_global_norm(np, grads, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose([grads["a"][0], grads["b"][0]], [0.6, 0.8])


def test_first_adam_step_moves_each_weight_by_the_learning_rate():
    """With bias correction, step one is lr * g / |g| for every weight."""
    params = {"w": np.array([1.0, 1.0])}
    state = optim.init_state(np, params, "adam")
    optim.update(np, params, {"w": np.array([0.5, -2.0])}, state, "adam", 0.1)
    np.testing.assert_allclose(params["w"], [0.9, 1.1], atol=1e-6)


def test_batches_cover_every_review_once_and_are_sorted():
    lengths = np.array([len(s) for s in tiny_data(50)[0]])
    batches = train.make_batches(lengths, 8, np.random.default_rng(0))
    assert sorted(np.concatenate(batches).tolist()) == list(range(50))
    ids, lens, order = train.pad_batch(tiny_data(50)[0], batches[0])
    assert np.all(np.diff(lens) <= 0) and ids.shape == (len(lens), lens[0])


def test_same_seed_same_model():
    a, *_ = train.train(tiny_data(), tiny_data(8, seed=5), embeddings(), SETTINGS)
    b, *_ = train.train(tiny_data(), tiny_data(8, seed=5), embeddings(), SETTINGS)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_resume_after_interruption_gives_the_uninterrupted_result(tmp_path):
    checkpoint = tmp_path / "checkpoint.npz"
    whole, _, history, _ = train.train(
        tiny_data(), tiny_data(8, 5), embeddings(), SETTINGS
    )

    # an interrupted run: epoch 1 done and checkpointed, then stopped
    short = train.TrainSettings(**{**SETTINGS.__dict__, "epochs": 1})
    train.train(tiny_data(), tiny_data(8, 5), embeddings(), short, checkpoint, "fp")
    assert checkpoint.exists()
    resumed, _, history2, _ = train.train(
        tiny_data(), tiny_data(8, 5), embeddings(), SETTINGS, checkpoint, "fp"
    )
    assert [r["epoch"] for r in history2] == [1, 2, 3]
    for k in whole:
        np.testing.assert_array_equal(whole[k], resumed[k])


def test_checkpoint_of_other_settings_is_ignored(tmp_path):
    checkpoint = tmp_path / "checkpoint.npz"
    train.train(tiny_data(), tiny_data(8, 5), embeddings(), SETTINGS, checkpoint, "old")
    _, _, history, _ = train.train(
        tiny_data(), tiny_data(8, 5), embeddings(), SETTINGS, checkpoint, "new"
    )
    assert len(history) == 3  # trained afresh, all epochs


def test_early_stopping_waits_patience_epochs():
    history = [{"valid_accuracy": a} for a in (0.6, 0.7, 0.65, 0.69)]
    assert train._stop_early(history, patience=2)
    assert not train._stop_early(history, patience=3)
    assert not train._stop_early(history, patience=0)


def test_non_finite_loss_stops_training_and_names_the_step():
    settings = train.TrainSettings(
        **{**SETTINGS.__dict__, "learning_rate": 1e38, "clip_norm": 0}
    )
    message = (
        r"non-finite loss at epoch 1, step \d+ "
        r"\(try lower learning_rate or gradient clipping\)"
    )
    with (
        pytest.raises(train.TrainingDiverged, match=message),
        np.errstate(all="ignore"),
    ):
        train.train(tiny_data(), tiny_data(8, 5), embeddings(), settings)


def test_token_ids_outside_the_vocabulary_are_refused():
    sequences, labels = tiny_data()
    sequences[3] = np.array([1, 99], dtype=np.int32)
    with pytest.raises(
        InputError, match="training data: text 3 has a token id outside 0..11"
    ):
        train.train((sequences, labels), tiny_data(8, 5), embeddings(), SETTINGS)


def test_the_model_learns_the_tiny_task():
    settings = train.TrainSettings(
        **{**SETTINGS.__dict__, "epochs": 30, "learning_rate": 0.03}
    )
    params, spec, _, _ = train.train(
        tiny_data(200), tiny_data(40, 5), embeddings(), settings
    )
    metrics = train.evaluate(params, spec, tiny_data(100, seed=9), "cpu")
    assert metrics["accuracy"] > 0.9


def test_without_validation_reviews_the_last_epoch_is_kept():
    empty = ([], np.array([], dtype=np.float32))
    settings = train.TrainSettings(**{**SETTINGS.__dict__, "patience": 1})
    params, _, history, _ = train.train(tiny_data(), empty, embeddings(), settings)
    assert len(history) == 3  # patience cannot stop it
    assert all(np.isnan(r["valid_accuracy"]) for r in history)


def test_the_best_epoch_is_kept_not_the_last():
    """Validation labels are the opposite of the training rule, so validation
    accuracy is best early and falls as training fits the rule. The returned
    parameters must be those of the best epoch: equal to a run stopped there."""
    valid_sequences, valid_labels = tiny_data(8, seed=5)
    flipped = (valid_sequences, 1 - valid_labels)
    settings = dataclasses.replace(SETTINGS, epochs=6, learning_rate=0.05)
    longer, _, history, _ = train.train(tiny_data(), flipped, embeddings(), settings)
    kept = train.best_epoch(history)
    assert kept < len(history)  # the case really has a better earlier epoch
    stopped, *_ = train.train(
        tiny_data(), flipped, embeddings(), dataclasses.replace(settings, epochs=kept)
    )
    for k in longer:
        np.testing.assert_array_equal(longer[k], stopped[k], err_msg=k)


def test_cosine_and_linear_schedules_fall_from_the_rate_to_zero():
    rates = [optim.scheduled_rate(0.1, "cosine", t, 5) for t in range(1, 7)]
    assert rates[0] == 0.1 and rates[-1] == pytest.approx(0.0, abs=1e-12)
    assert rates[2] == pytest.approx(0.1 * 0.5 * (1 + np.cos(np.pi * 2 / 5)))
    assert all(a > b for a, b in zip(rates[:5], rates[1:5]))
    linear = [optim.scheduled_rate(0.1, "linear", t, 4) for t in (1, 2, 3, 4)]
    np.testing.assert_allclose(linear, [0.1, 0.075, 0.05, 0.025])
    assert optim.scheduled_rate(0.1, "constant", 3, 4) == 0.1


def test_weight_decay_shrinks_weights_not_biases_or_embeddings():
    params = {k: np.array([2.0]) for k in ("Wx", "by", "E")}
    grads = {k: np.array([0.0]) for k in params}
    state = optim.init_state(np, params, "sgd")
    optim.update(np, params, grads, state, "sgd", 0.1, weight_decay=0.5)
    assert params["Wx"][0] == pytest.approx(2.0 * (1 - 0.05))
    assert params["by"][0] == 2.0 and params["E"][0] == 2.0


def test_regularised_training_is_deterministic_and_differs_from_plain():
    settings = dataclasses.replace(
        SETTINGS,
        dropout=0.3,
        embedding_dropout=0.2,
        weight_decay=0.01,
        lr_schedule="cosine",
        train_embeddings=True,
    )
    data = tiny_data(), tiny_data(8, seed=5)
    one, *_ = train.train(*data, embeddings(), settings)
    two, *_ = train.train(*data, embeddings(), settings)
    plain, *_ = train.train(
        *data, embeddings(), dataclasses.replace(SETTINGS, train_embeddings=True)
    )
    for name in one:
        np.testing.assert_array_equal(one[name], two[name], err_msg=name)
    assert not np.array_equal(one["Wy"], plain["Wy"])


def test_prediction_batches_stay_within_the_token_budget(monkeypatch):
    """Long texts are predicted in smaller batches; every text still gets its
    own probability, the same as in one batch."""
    sequences, _ = tiny_data(30, seed=3)
    sequences = sequences + [np.full(40, 2, dtype=np.int32)]  # one long text
    spec = train.model_spec((12, 3), SETTINGS)
    params = train.M.init_params(spec, embeddings(), np.random.default_rng(0))
    whole = train.predict(np, params, spec, sequences)
    seen = []
    forward = train.M.predict_proba

    def counting(xp, params, spec, ids, lengths):
        seen.append(ids.shape)
        return forward(xp, params, spec, ids, lengths)

    monkeypatch.setattr(train, "PREDICT_TOKENS", 48)
    monkeypatch.setattr(train.M, "predict_proba", counting)
    parts = train.predict(np, params, spec, sequences)
    assert all(rows * steps <= 48 or rows == 1 for rows, steps in seen)
    assert seen[0] == (1, 40) and len(seen) > 1
    np.testing.assert_allclose(parts, whole, rtol=1e-5)


def test_weight_averaging_follows_the_moving_average_formula():
    params = {"w": np.array([0.0])}
    state = optim.init_state(np, params, "sgd", average=0.2)
    for step, value in enumerate([4.0, 8.0, 2.0], start=1):
        params["w"][0] = value
        state["step"] = step
        optim.average_weights(np, params, state, 0.2)
    # share kept of the old average: min(0.2, 2/11) = 2/11 at step 1 (the
    # warm-up), then the decay 0.2: 9/11 * 4 = 3.2727, 0.2 * 3.2727 + 0.8 * 8
    # = 7.0545, 0.2 * 7.0545 + 0.8 * 2 = 3.0109
    assert state["avg_w"][0] == pytest.approx(3.010909, abs=1e-6)
    assert optim.averaged({"w": params["w"], "E": np.ones(1)}, state)["E"][0] == 1.0


def test_averaged_weights_are_kept_and_resume_like_an_uninterrupted_run(tmp_path):
    """With ema_decay the kept parameters are the average, not the last
    weights; a run resumed from its checkpoint ends where an uninterrupted
    one does, so the average travels in the checkpoint."""
    settings = dataclasses.replace(SETTINGS, ema_decay=0.9, train_embeddings=True)
    data = tiny_data(), tiny_data(8, seed=5)
    averaged, *_ = train.train(*data, embeddings(), settings)
    plain, *_ = train.train(
        *data, embeddings(), dataclasses.replace(settings, ema_decay=0.0)
    )
    assert not np.array_equal(averaged["Wy"], plain["Wy"])

    checkpoint = tmp_path / "checkpoint.npz"
    short = dataclasses.replace(settings, epochs=1)
    one_epoch, *_ = train.train(*data, embeddings(), short, checkpoint, "fp")
    with np.load(checkpoint) as saved:
        # after one epoch the kept model is the average, the weights go on
        for name in ("Wy", "E"):
            np.testing.assert_array_equal(one_epoch[name], saved[f"state_avg_{name}"])
            assert not np.array_equal(one_epoch[name], saved[f"param_{name}"])
    assert not np.array_equal(one_epoch["E"], embeddings())  # the average moved
    resumed, *_ = train.train(*data, embeddings(), settings, checkpoint, "fp")
    for name in averaged:
        np.testing.assert_array_equal(averaged[name], resumed[name], err_msg=name)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_a_rate_scale_slows_only_its_parameter(optimizer):
    params = {"E": np.array([1.0]), "Wy": np.array([1.0])}
    grads = {"E": np.array([0.5]), "Wy": np.array([0.5])}
    state = optim.init_state(np, params, optimizer)
    optim.update(np, params, grads, state, optimizer, 0.1, rate_scales={"E": 0.25})
    assert 1 - params["E"][0] == pytest.approx(0.25 * (1 - params["Wy"][0]))
    assert params["Wy"][0] < 1


def test_a_slower_embedding_rate_changes_the_vectors_less():
    data = tiny_data(), tiny_data(8, seed=5)
    tuned = dataclasses.replace(SETTINGS, train_embeddings=True)
    moved = {}
    for scale in (1.0, 0.1):
        settings = dataclasses.replace(tuned, embedding_lr_scale=scale)
        params, *_ = train.train(*data, embeddings(), settings)
        moved[scale] = np.abs(params["E"] - embeddings()).sum()
    assert 0 < moved[0.1] < 0.5 * moved[1.0]
