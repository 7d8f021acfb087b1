"""Case CUPY-IMPLICIT-CONVERSION on backend choice (`sentiment_rnn.backend`).

Without CuPy or a CUDA device, `cuda` is a clear error and `auto` falls back
to NumPy with a warning. The GPU part (same parameters on both backends, no
implicit conversion) runs only where CuPy sees a device.
"""

import json
import logging
import re
import sys
import types

import numpy as np
import pytest

from sentiment_rnn import backend, model, train
from sentiment_rnn.errors import InputError


@pytest.fixture
def no_cupy(monkeypatch):
    """`import cupy` fails, as on a machine without it."""
    monkeypatch.setitem(sys.modules, "cupy", None)


@pytest.fixture
def cupy_without_device(monkeypatch):
    """CuPy imports, but the CUDA driver finds no device."""

    def no_device():
        raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    fake = types.SimpleNamespace(
        cuda=types.SimpleNamespace(
            runtime=types.SimpleNamespace(getDeviceCount=no_device)
        )
    )
    monkeypatch.setitem(sys.modules, "cupy", fake)


def test_cuda_without_cupy_is_a_clear_error(no_cupy):
    with pytest.raises(
        InputError, match=r"CuPy backend requested but cupy is not installed"
    ):
        backend.get_backend("cuda")


def test_cuda_without_device_is_a_clear_error(cupy_without_device):
    with pytest.raises(
        InputError, match=r"CuPy backend requested but no usable CUDA device"
    ):
        backend.get_backend("cuda")


@pytest.mark.usefixtures("no_cupy")
def test_auto_without_cupy_falls_back_with_a_warning(caplog):
    caplog.set_level(logging.INFO)
    xp, name = backend.get_backend("auto")
    assert xp is np
    assert name == "numpy (cpu)"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "using NumPy" in warnings[0]


def test_cpu_is_numpy():
    assert backend.get_backend("cpu") == (np, "numpy (cpu)")


@pytest.mark.parametrize("device", ["gpu", "cupy", "CUDA", ""])
def test_unknown_device_is_refused(device):
    expected = f"device: {device!r} is not one of ['auto', 'cpu', 'cuda']"
    with pytest.raises(InputError, match=re.escape(expected)):
        backend.get_backend(device)


def test_training_with_cuda_without_cupy_stops_before_work(no_cupy):
    sequences = [np.array([2, 3], np.int32), np.array([3], np.int32)]
    data = (sequences, np.array([1, 0], np.float32))
    settings = train.TrainSettings(hidden_size=2, epochs=1, batch_size=2, device="cuda")
    with pytest.raises(InputError, match="CuPy backend requested"):
        train.train(data, data, np.zeros((4, 3), np.float32), settings)


def test_to_host_of_numpy_is_numpy():
    a = np.arange(3.0)
    assert backend.to_host(a) is a


# --- GPU parity -------------------------------------------------------------------


def cupy_with_device():
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no CUDA device")
    except Exception as err:  # driver missing
        pytest.skip(f"no usable CUDA device ({err})")
    return cupy


@pytest.mark.gpu
@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, True)])
@pytest.mark.parametrize("cell", model.CELLS)
def test_gpu_and_cpu_training_agree(tmp_path, cell, layers, bidirectional):
    cupy_with_device()
    rng = np.random.default_rng(0)
    sequences = [np.array(rng.integers(2, 20, size=n), np.int32) for n in (7, 5, 3, 6)]
    labels = np.array([1, 0, 1, 0], np.float32)
    matrix = rng.normal(size=(20, 8)).astype(np.float64)
    results = {}
    for device in ("cpu", "cuda"):
        settings = train.TrainSettings(
            hidden_size=6,
            cell=cell,
            layers=layers,
            bidirectional=bidirectional,
            epochs=1,
            batch_size=2,
            seed=3,
            device=device,
            dtype="float64",
        )
        params, spec, history, name = train.train(
            (sequences, labels), (sequences, labels), matrix, settings
        )
        assert all(type(v) is np.ndarray for v in params.values())  # back on the host
        assert all(type(history[0][k]) is float for k in ("train_loss", "valid_loss"))
        test_metrics = train.evaluate(params, spec, (sequences, labels), device=device)
        json.dumps(test_metrics)
        assert type(test_metrics["accuracy"]) is float
        path = tmp_path / f"{device}.npz"
        model.save_params(path, params, spec)
        results[device] = model.load_params(path)[0]
    assert name.startswith("cupy")
    for key, value in results["cpu"].items():
        np.testing.assert_allclose(results["cuda"][key], value, rtol=1e-6, atol=1e-12)


@pytest.mark.usefixtures("no_cupy")
def test_fallback_is_said_once_per_process(caplog):
    caplog.set_level(logging.INFO)
    backend.get_backend("auto")
    backend.get_backend("auto")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
