"""Flushing subnormal floats to zero: the mode switches on and off, and the
model's loss and gradients do not change beyond the subnormal range."""

import threading

import numpy as np
import pytest

from sentiment_rnn import model as M
from sentiment_rnn import subnormal

needs_support = pytest.mark.skipif(
    not subnormal.supported(), reason="no flush-to-zero switch on this platform"
)

TINY = np.float32(1e-40)  # a float32 subnormal


def survives(value):
    """Whether a float32 subnormal survives a multiplication by one."""
    return bool(np.array([value], dtype=np.float32)[0] * np.float32(1.0) != 0)


@needs_support
def test_flushed_turns_the_mode_on_and_restores_it():
    assert survives(TINY)
    with subnormal.flushed() as on:
        assert on
        assert not survives(TINY)
    assert survives(TINY)


def test_disabled_flushing_changes_nothing():
    with subnormal.flushed(enabled=False) as on:
        assert not on
        assert survives(TINY)


@needs_support
def test_the_mode_belongs_to_the_calling_thread():
    """A thread already running keeps its own mode while another flushes."""
    inside, seen = threading.Event(), {}

    def check():
        inside.wait()
        seen["other"] = survives(TINY)

    worker = threading.Thread(target=check)
    worker.start()
    with subnormal.flushed():
        inside.set()
        worker.join()
    assert seen["other"]


def long_decaying_batch(cell):
    """float32, 80 steps, weak weights, saturated units and the last-state head: the deltas
    reaching the first steps underflow into the subnormal range. Every token
    id is used once, so the embedding gradient shows each step's delta."""
    rng = np.random.default_rng(0)
    B, T, D, H = 2, 80, 4, 8
    V = B * T + 1
    spec = M.ModelSpec(V, D, H, cell=cell, head="last")
    params = M.init_params(spec, rng.normal(size=(V, D)), rng, dtype=np.float32)
    for name in params:
        if name.startswith("W") and name != "Wy":
            params[name] *= np.float32(0.1)
        if name.startswith("b") and name != "by":
            params[name][:] = -4  # saturated tanh, closed gates: fast decay
    ids = (1 + np.arange(B * T, dtype=np.int32)).reshape(B, T)
    lengths = np.array([T, T - 5])
    labels = np.array([1, 0], dtype=np.float32)
    return params, spec, ids, lengths, labels


def subnormal_count(array):
    return int(((array != 0) & (np.abs(array) < np.finfo(np.float32).tiny)).sum())


@needs_support
@pytest.mark.parametrize("cell", M.CELLS)
def test_gradients_differ_only_below_the_normal_range(cell):
    params, spec, ids, lengths, labels = long_decaying_batch(cell)
    loss, grads = M.loss_and_grads(np, params, spec, ids, lengths, labels, True)
    with subnormal.flushed():
        loss_f, grads_f = M.loss_and_grads(np, params, spec, ids, lengths, labels, True)
    assert subnormal_count(grads["E"]) > 0  # the case does reach the range
    assert subnormal_count(grads_f["E"]) == 0
    assert loss_f == loss
    for name in grads:
        difference = np.abs(grads[name] - grads_f[name]).max()
        assert difference < 1e-37, name
