"""GPU checks: CPU/GPU parity of the engine, then its speed against PyTorch CUDA.

1. Parity: for every cell and head, the loss and every gradient of one padded
   batch with rows of different lengths, in float64, on the same weights,
   computed with NumPy and with CuPy; the largest relative difference must be
   below 1e-6.
2. Speed: tokens per second of training on the GPU, our engine against
   PyTorch (cuDNN) on the same batches: frozen embeddings of width 50, hidden
   64, batch 64, lengths drawn like IMDB reviews (log-normal, up to 256
   tokens), Adam, gradient clipping, the max head. Skipped without PyTorch.

Run by `benchmarks/gpu_check.sh`; exits non-zero when parity fails.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engine_speed  # noqa: E402

from sentiment_rnn import model as M  # noqa: E402
from sentiment_rnn import optim, train  # noqa: E402


def parity(cupy, cell, head, layers=1, bidirectional=False):
    """Largest relative difference between NumPy and CuPy over loss and grads."""
    rng = np.random.default_rng(0)
    V, D, H = 300, 50, 64
    spec = M.ModelSpec(
        V, D, H, cell=cell, head=head, layers=layers, bidirectional=bidirectional
    )
    params = M.init_params(spec, rng.normal(size=(V, D)), rng, dtype=np.float64)
    lengths = np.sort(rng.integers(1, 120, size=16))[::-1].copy()
    ids = np.zeros((16, lengths[0]), dtype=np.int32)
    for row, n in enumerate(lengths):
        ids[row, :n] = rng.integers(1, V, size=n)
    labels = rng.integers(0, 2, size=16).astype(np.float64)
    loss, grads = M.loss_and_grads(np, params, spec, ids, lengths, labels, True)
    on_gpu = {k: cupy.asarray(v) for k, v in params.items()}
    loss_g, grads_g = M.loss_and_grads(
        cupy, on_gpu, spec, cupy.asarray(ids), lengths, cupy.asarray(labels), True
    )
    worst = abs(float(loss_g) - float(loss)) / abs(float(loss))
    for name, g in grads.items():
        scale = max(np.abs(g).max(), 1e-30)
        worst = max(worst, float(np.abs(cupy.asnumpy(grads_g[name]) - g).max() / scale))
    return worst


def synthetic_batches(count, batch_size, vocab_size, seed=0):
    """Sorted, padded batches with IMDB-like lengths (median ~170 tokens)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        lengths = np.minimum(rng.lognormal(5.1, 0.6, batch_size).astype(int) + 1, 256)
        lengths = np.sort(lengths)[::-1].copy()
        ids = np.zeros((batch_size, lengths[0]), dtype=np.int32)
        for row, n in enumerate(lengths):
            ids[row, :n] = rng.integers(2, vocab_size, size=n)
        out.append((ids, lengths, rng.integers(0, 2, batch_size).astype(np.float32)))
    return out


def ours_on_gpu(cupy, batches, embeddings, cell):
    settings = train.TrainSettings(
        hidden_size=64, cell=cell, head="max", learning_rate=1e-3, device="cuda"
    )
    spec = M.ModelSpec(*embeddings.shape, 64, cell=cell, head="max")
    host = M.init_params(spec, embeddings, np.random.default_rng(0))
    params = {k: cupy.asarray(v) for k, v in host.items()}
    state = optim.init_state(
        cupy, {k: v for k, v in params.items() if k != "E"}, "adam"
    )
    run = lambda: [  # noqa: E731
        train.train_step(cupy, params, spec, state, settings, *batch)
        for batch in batches
    ]
    run()  # warm-up: kernels compiled and cached
    cupy.cuda.Device().synchronize()
    started = time.perf_counter()
    run()
    cupy.cuda.Device().synchronize()
    return sum(int(b[1].sum()) for b in batches) / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=60)
    args = parser.parse_args()
    import cupy

    print(
        f"cupy {cupy.__version__}, device {cupy.cuda.Device().id}: "
        f"{cupy.cuda.runtime.getDeviceProperties(0)['name'].decode()}"
    )
    failed = False
    print("parity, float64, largest relative difference CPU vs GPU:")
    for cell in M.CELLS:
        for head in M.HEADS:
            # one cell, and a stack of two bidirectional layers
            for layers, bidirectional in ((1, False), (2, True)):
                worst = parity(cupy, cell, head, layers, bidirectional)
                ok = worst < 1e-6
                failed |= not ok
                shape = f"{layers} layer{'s' * (layers > 1)}" + (
                    ", bidirectional" if bidirectional else ""
                )
                print(
                    f"  {cell:<5} {head:<5} {shape:<26} {worst:.2e}  "
                    f"{'ok' if ok else 'FAIL'}"
                )

    embeddings = np.random.default_rng(1).normal(size=(20000, 50)).astype(np.float32)
    batches = synthetic_batches(args.batches, 64, 20000)
    try:
        import torch
    except ImportError:
        torch = None
    print("speed, tokens/s on the GPU:  cell  ours  pytorch  ratio")
    for cell in M.CELLS:
        a = ours_on_gpu(cupy, batches, embeddings, cell)
        b = float("nan")
        if torch is not None and torch.cuda.is_available():
            engine_speed.pytorch(batches[:5], embeddings, cell, 64, "cuda")  # warm-up
            b = engine_speed.pytorch(batches, embeddings, cell, 64, "cuda")
        print(f"  {cell:<5} {a:>12,.0f} {b:>12,.0f} {a / b:>6.2f}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
