"""Flushing subnormal floats to zero while the model trains on the CPU.

Back-propagated deltas of a recurrent network shrink at every step back in
time, and in float32 they soon reach the subnormal range (|x| < 1.2e-38).
Many CPUs handle arithmetic on subnormal numbers in a slow path: measured on
an Intel Xeon on real reviews, an epoch of the vanilla RNN ran about 13 times
slower once its deltas got there (an AMD EPYC showed no such penalty:
`benchmarks/subnormal_effect.py`). Values that small cannot change a float32 result that
matters, so the CPU's own switches are turned on for the training loop:
flush-to-zero and denormals-are-zero (MXCSR on x86-64) or flush-to-zero
(FPCR on 64-bit ARM). NumPy offers no switch for them, so they are set
through the C library's `fegetenv`/`fesetenv`, as a C program would.

The mode belongs to a thread (threads started inside the block inherit it):
`flushed` sets it for the calling thread and restores the previous mode
afterwards. Where the C library is not glibc on
x86-64 or 64-bit ARM, nothing is changed and training is merely slower.
"""

import contextlib
import ctypes
import ctypes.util
import functools
import logging
import platform
import sys

log = logging.getLogger(__name__)

# (index of the 32-bit word of fenv_t holding the control register, its bits)
_CONTROL_WORD = {
    "x86_64": (7, 0x8040),  # fenv_t.__mxcsr; FTZ (bit 15) | DAZ (bit 6)
    "aarch64": (0, 1 << 24),  # fenv_t.__fpcr; FZ (bit 24)
}


class _FloatEnv(ctypes.Structure):
    # larger than glibc's fenv_t on either architecture (32 and 8 bytes)
    _fields_ = [("words", ctypes.c_uint32 * 16)]


@functools.cache
def _libm():
    """(libm, word, bits) where flushing is supported, else None."""
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    if not sys.platform.startswith("linux") or machine not in _CONTROL_WORD:
        return None
    if platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("m")
    if name is None:
        return None
    return ctypes.CDLL(name), *_CONTROL_WORD[machine]


def _get(libm):
    env = _FloatEnv()
    if libm.fegetenv(ctypes.byref(env)) != 0:
        raise OSError("fegetenv failed")
    return env


def supported():
    """True where `flushed` can change the mode of this CPU."""
    return _libm() is not None


@contextlib.contextmanager
def flushed(enabled=True):
    """Within the block, subnormal results and inputs count as zero (this thread).

    Yields whether the mode is on. With `enabled` false, or where the platform
    offers no way to set it, the block runs unchanged.
    """
    found = _libm() if enabled else None
    if found is None:
        if enabled:
            _warn_unsupported()
        yield False
        return
    libm, word, bits = found
    saved = _get(libm)
    env = _get(libm)
    env.words[word] |= bits
    if libm.fesetenv(ctypes.byref(env)) != 0:
        raise OSError("fesetenv failed")
    try:
        yield True
    finally:
        libm.fesetenv(ctypes.byref(saved))


@functools.cache
def _warn_unsupported():
    log.warning(
        "flush_subnormals: not supported on %s/%s; training runs slower where "
        "deltas become subnormal",
        sys.platform,
        platform.machine(),
    )
