"""Batches cut into slices of rows: the sum of the slices is the batch, and
the number of worker processes never changes a result."""

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from sentiment_rnn import model as M
from sentiment_rnn import parallel, train

V, D, H = 15, 3, 4


def batch(rng, lengths=(9, 7, 7, 4, 3, 2, 1)):
    lengths = np.array(lengths)
    ids = np.zeros((len(lengths), lengths.max()), dtype=np.int32)
    for row, n in enumerate(lengths):
        ids[row, :n] = rng.integers(1, V, size=n)
    return ids, lengths, rng.integers(0, 2, size=len(lengths)).astype(np.float64)


def shared_params(cell, rng):
    spec = M.ModelSpec(V, D, H, cell=cell, head="max")
    params = M.init_params(spec, rng.normal(size=(V, D)), rng, dtype=np.float64)
    return spec, {k: parallel.shared_array(v) for k, v in params.items()}


@pytest.mark.parametrize("cell", M.CELLS)
@pytest.mark.parametrize("slices", [2, 3])
def test_slices_add_up_to_the_whole_batch(cell, slices):
    rng = np.random.default_rng(0)
    spec, params = shared_params(cell, rng)
    ids, lengths, labels = batch(rng)
    loss, grads = M.loss_and_grads(np, params, spec, ids, lengths, labels, True)
    with parallel.SlicedBatches(params, spec, slices, 2, True, False) as sliced:
        sliced_loss, sliced_grads = sliced.loss_and_grads(ids, lengths, labels)
    assert sliced_loss == pytest.approx(float(loss), rel=1e-12)
    for name in grads:
        np.testing.assert_allclose(
            sliced_grads[name], grads[name], rtol=1e-10, atol=1e-14
        )


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_worker_processes_change_no_bit(processes):
    rng = np.random.default_rng(1)
    spec, params = shared_params("gru", rng)
    ids, lengths, labels = batch(rng)
    with parallel.SlicedBatches(params, spec, 3, 1, False, False) as alone:
        expected = alone.loss_and_grads(ids, lengths, labels)
    with parallel.SlicedBatches(params, spec, 3, processes, False, False) as sliced:
        assert len(sliced.workers) == processes - 1
        loss, grads = sliced.loss_and_grads(ids, lengths, labels)
    assert loss == expected[0]
    for name in grads:
        np.testing.assert_array_equal(grads[name], expected[1][name])


def test_workers_see_parameters_changed_in_place():
    rng = np.random.default_rng(2)
    spec, params = shared_params("rnn", rng)
    ids, lengths, labels = batch(rng)
    with parallel.SlicedBatches(params, spec, 2, 2, False, False) as sliced:
        before = sliced.loss_and_grads(ids, lengths, labels)[0]
        params["Wy"] *= 3.0  # as the optimiser does
        after = sliced.loss_and_grads(ids, lengths, labels)[0]
    plain = M.loss_and_grads(np, params, spec, ids, lengths, labels)[0]
    assert after != before
    assert after == pytest.approx(float(plain), rel=1e-12)


def test_a_batch_smaller_than_the_slices():
    rng = np.random.default_rng(3)
    spec, params = shared_params("lstm", rng)
    ids, lengths, labels = batch(rng, lengths=(4, 2))
    loss, grads = M.loss_and_grads(np, params, spec, ids, lengths, labels)
    with parallel.SlicedBatches(params, spec, 4, 2, False, False) as sliced:
        sliced_loss, sliced_grads = sliced.loss_and_grads(ids, lengths, labels)
    assert sliced_loss == pytest.approx(float(loss), rel=1e-12)
    np.testing.assert_allclose(sliced_grads["Wh"], grads["Wh"], rtol=1e-10)


def test_a_failing_worker_is_reported_and_workers_stop():
    rng = np.random.default_rng(4)
    spec, params = shared_params("rnn", rng)
    ids, lengths, labels = batch(rng)
    ids[1, 0] = V + 100  # the worker's slice holds an id outside the table
    with pytest.raises(RuntimeError, match="(?s)worker process failed.*IndexError"):
        with parallel.SlicedBatches(params, spec, 2, 2, False, False) as sliced:
            workers = [process for process, _, _ in sliced.workers]
            sliced.loss_and_grads(ids, lengths, labels)
    assert workers and not any(process.is_alive() for process in workers)


def test_training_is_identical_with_one_or_two_processes():
    rng = np.random.default_rng(5)
    sequences = [
        rng.integers(1, V, size=rng.integers(1, 12)).astype(np.int32) for _ in range(40)
    ]
    labels = (rng.random(40) < 0.5).astype(np.float32)
    data = (sequences[:30], labels[:30]), (sequences[30:], labels[30:])
    embeddings = rng.normal(size=(V, D)).astype(np.float32)
    settings = train.TrainSettings(
        hidden_size=H,
        cell="lstm",
        epochs=2,
        batch_size=8,
        device="cpu",
        train_embeddings=True,
        batch_slices=2,
        processes=1,
    )
    one, *_ = train.train(*data, embeddings, settings)
    two, *_ = train.train(*data, embeddings, dataclasses.replace(settings, processes=2))
    for name in one:
        np.testing.assert_array_equal(one[name], two[name], err_msg=name)


def test_workers_end_when_their_parent_is_killed(tmp_path):
    """A training process killed outright (SIGKILL, the out-of-memory killer)
    leaves no worker behind: each worker sees its pipe close and returns."""
    script = textwrap.dedent(
        """
        import os, signal, sys
        import numpy as np
        sys.path.insert(0, sys.argv[1])
        from test_parallel import shared_params
        from sentiment_rnn import parallel
        spec, params = shared_params("rnn", np.random.default_rng(0))
        with parallel.SlicedBatches(params, spec, 3, 3, False, False) as sliced:
            print(*(process.pid for process, _, _ in sliced.workers), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        text=True,
    )
    workers = [int(pid) for pid in child.stdout.readline().split()]
    try:
        assert child.wait(timeout=60) == -signal.SIGKILL
        assert len(workers) == 2
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(map(running, workers)):
            time.sleep(0.1)
        assert not any(map(running, workers))
    finally:
        for pid in filter(running, workers):  # leave nothing behind on failure
            os.kill(pid, signal.SIGKILL)
        child.stdout.close()


def running(pid):
    """Whether a process runs (a zombie has ended; it only awaits its reaper)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_dropout_masks_do_not_depend_on_the_processes():
    rng = np.random.default_rng(6)
    spec, params = shared_params("rnn", rng)
    ids, lengths, labels = batch(rng)
    dropout = M.Dropout(embedding=0.2, output=0.3, key=(1, 1, 1))
    with parallel.SlicedBatches(params, spec, 2, 1, True, False) as alone:
        expected = alone.loss_and_grads(ids, lengths, labels, dropout)
    with parallel.SlicedBatches(params, spec, 2, 2, True, False) as sliced:
        loss, grads = sliced.loss_and_grads(ids, lengths, labels, dropout)
        without = sliced.loss_and_grads(ids, lengths, labels)[0]
    assert loss == expected[0] and loss != without
    for name in grads:
        np.testing.assert_array_equal(grads[name], expected[1][name])
