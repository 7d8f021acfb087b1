"""What flushing subnormal floats to zero does to the vanilla RNN's backward pass.

Back-propagated deltas are multiplied by the recurrent matrix and by tanh'
at every step back in time. When that product contracts (small recurrent
weights, saturated units), the deltas of a long review shrink below float32's
smallest normal number (1.2e-38) long before its first token, and CPUs
compute on such subnormal numbers many times slower. This script times the
backward pass of one batch whose only gradient enters at each row's last
step (the `last` head), with a recurrent matrix that contracts by `--scale`
per step, once with the CPU's flush-to-zero mode off and once on, in one
process on one BLAS thread, and prints both times, their ratio, how many
deltas were subnormal, and the largest difference between the two gradients.

    python benchmarks/subnormal_effect.py               # scale 0.5
    python benchmarks/subnormal_effect.py --scale 1.0   # orthogonal: no decay

The pipeline's own models start from an orthogonal recurrent matrix (scale
1), whose deltas do not decay this way at first; the flush guards the runs
where they do.
"""

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from arguments import positive_number
from arguments import whole_number as whole
from sentiment_rnn import cells, model, subnormal

TINY = np.finfo(np.float32).tiny  # the smallest normal float32


def batch(rng, rows, steps, width, hidden, scale):
    """Inputs, parameters and a head gradient at each row's last step."""
    lengths = np.sort(rng.integers(steps // 2, steps + 1, size=rows))[::-1]
    lengths[0] = steps
    X = rng.normal(size=(steps, rows, width)).astype(np.float32)
    for row, n in enumerate(lengths):
        X[n:, row] = 0.0
    q, _ = np.linalg.qr(rng.normal(size=(hidden, hidden)))
    params = {
        "Wxh": (rng.normal(size=(width, hidden)) / np.sqrt(width)).astype(np.float32),
        "Whh": (q * scale).astype(np.float32),
        "bh": np.zeros(hidden, dtype=np.float32),
    }
    dhs = np.zeros((steps, rows, hidden), dtype=np.float32)
    dhs[lengths - 1, np.arange(rows)] = rng.normal(size=(rows, hidden))
    return X, params, dhs, model.active_rows(lengths, steps)


def backward_time(X, params, dhs, steps, flush, repeats):
    """Median seconds of the backward pass, its gradients, its deltas."""
    with subnormal.flushed(flush):
        hs, cache = cells.rnn_forward(np, params, X, steps)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            grads, _ = cells.rnn_backward(np, params, X, hs, cache, dhs, steps, False)
            times.append(time.perf_counter() - started)
    return statistics.median(times), grads


def deltas(params, hs, cache, dhs, steps):
    """dLoss/d(pre-activation) at every step, without flushing."""
    T, B, H = dhs.shape
    dA = np.zeros((T, B, H), dtype=np.float32)
    dh = np.zeros((B, H), dtype=np.float32)
    for t in reversed(range(T)):
        n = steps[t]
        dA[t, :n] = (dhs[t, :n] + dh[:n]) * cache[t, :n]
        dh[:n] = dA[t, :n] @ params["Whh"].T
    return dA


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--scale", type=positive_number(10), default=0.5, help="Whh = scale * Q"
    )
    parser.add_argument(
        "--rows", type=whole(1, 512), default=32, help="rows of the batch"
    )
    parser.add_argument("--steps", type=whole(2, 2048), default=256, help="longest row")
    parser.add_argument(
        "--repeats", type=whole(1, 1000), default=7, help="timed passes"
    )
    args = parser.parse_args()
    if not subnormal.supported():
        parser.error("this platform has no flush-to-zero switch that we can reach")

    rng = np.random.default_rng(0)
    X, params, dhs, steps = batch(rng, args.rows, args.steps, 50, 64, args.scale)
    with threadpool_limits(1):
        slow, kept = backward_time(X, params, dhs, steps, False, args.repeats)
        fast, flushed = backward_time(X, params, dhs, steps, True, args.repeats)
        hs, cache = cells.rnn_forward(np, params, X, steps)
    dA = np.abs(deltas(params, hs, cache, dhs, steps))
    share = np.mean((dA > 0) & (dA < TINY))
    worst = max(float(np.abs(kept[k] - flushed[k]).max()) for k in kept)
    print(
        f"vanilla RNN backward, {args.rows} rows of up to {args.steps} steps, "
        f"hidden 64, Whh = {args.scale} x orthogonal, one BLAS thread"
    )
    print(f"  subnormal deltas (not flushed): {share:.1%} of all")
    print(f"  not flushed: {slow * 1e3:8.2f} ms")
    print(f"  flushed:     {fast * 1e3:8.2f} ms")
    print(f"  ratio:       {slow / fast:8.2f}")
    print(f"  largest gradient difference: {worst:.3g} (smallest normal {TINY:.3g})")


if __name__ == "__main__":
    main()
