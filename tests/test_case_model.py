"""Case NUMERIC-STABILITY-NAN (a) on the model's math (`sentiment_rnn.model`).

The sigmoid and the loss from logits must give exact limits for huge logits
without any floating-point warning, so they are checked under
np.errstate(all='raise'). The model uses no softmax (one logit per text).
"""

import numpy as np
import pytest

from sentiment_rnn import model


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_of_huge_logits(dtype):
    z = np.array([-1000, 0, 1000], dtype=dtype)
    with np.errstate(all="raise"):
        p = model.sigmoid(np, z)
    np.testing.assert_allclose(p, [0.0, 0.5, 1.0], rtol=0, atol=1e-12)
    assert p.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("z", "y", "expected"),
    [
        (-1000.0, 1.0, 1000.0),
        (1000.0, 0.0, 1000.0),
        (1000.0, 1.0, 0.0),
        (-1000.0, 0.0, 0.0),
        (0.0, 1.0, np.log(2.0)),
    ],
)
def test_bce_from_logits_is_finite(dtype, z, y, expected):
    with np.errstate(all="raise"):
        loss = model.bce_with_logits(
            np, np.array([z], dtype=dtype), np.array([y], dtype=dtype)
        )
    assert np.isfinite(loss)
    assert float(loss) == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_no_softmax_in_the_model():
    assert not hasattr(model, "softmax")


def test_loss_and_grads_finite_for_huge_weights():
    """Weights so large that every logit is about +-1e6: loss and gradients stay finite."""
    spec = model.ModelSpec(vocab_size=5, embedding_dim=4, hidden_size=3)
    rng = np.random.default_rng(0)
    params = model.init_params(spec, rng.normal(size=(5, 4)), rng, dtype=np.float64)
    params["Wxh"] *= 1e3
    params["Wy"] = np.array([1e6, -1e6, 1e6])
    ids = np.array([[2, 3, 4], [4, 2, 0], [3, 0, 0]], dtype=np.int32)
    lengths = np.array([3, 2, 1])
    labels = np.array([0.0, 1.0, 0.0])
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        loss, grads = model.loss_and_grads(np, params, spec, ids, lengths, labels, True)
    assert np.isfinite(loss) and loss > 1.0
    assert all(np.isfinite(g).all() for g in grads.values())
