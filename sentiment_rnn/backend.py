"""Choosing the array module: CuPy on an NVIDIA GPU, NumPy otherwise.

Model code takes `xp` (numpy or cupy) and never imports either directly, so
the same functions run on both. Host/device copies happen only at the edges:
`xp.asarray` when a batch or the parameters go in, `to_host` when results or
parameters come out.
"""

import functools
import logging

import numpy as np

from .errors import InputError

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda")


@functools.cache  # probe once per process, so the log says it once
def _cupy_with_device():
    """The cupy module when it imports and sees a CUDA device, else a reason."""
    try:
        import cupy
    except ImportError:
        return None, "cupy is not installed (pip install '.[cuda]')"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # CUDA driver missing or broken
        return None, f"no usable CUDA device ({err})"
    if count < 1:
        return None, "no CUDA device found"
    return cupy, None


def get_backend(device="auto"):
    """(xp, name) for `device`: auto, cpu or cuda.

    `cuda` without CuPy or a device is an error; `auto` then falls back to
    NumPy with a warning, since results on the two can differ in the last bits.
    """
    if device not in DEVICES:
        raise InputError(f"device: {device!r} is not one of {list(DEVICES)}")
    if device == "cpu":
        return np, "numpy (cpu)"
    cupy, reason = _cupy_with_device()
    if cupy is not None:
        return cupy, f"cupy (cuda device {cupy.cuda.runtime.getDevice()})"
    if device == "cuda":
        raise InputError(f"device: CuPy backend requested but {reason}")
    _warn_fallback(reason)
    return np, "numpy (cpu)"


@functools.cache
def _warn_fallback(reason):
    log.warning("device auto: %s; using NumPy on the CPU", reason)


def to_host(array):
    """A NumPy copy of a NumPy or CuPy array (no copy for NumPy)."""
    if hasattr(array, "get"):
        return array.get()
    return np.asarray(array)
