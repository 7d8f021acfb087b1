"""Training speed of the from-scratch engine against PyTorch, in one run.

Both train the same model on the same batches of real review lengths: frozen
GloVe embeddings, a recurrent cell, the max-over-time head, a linear output,
binary cross-entropy, Adam and gradient clipping. Batches are sorted longest
first; our engine computes only the rows still running, PyTorch runs the
padded batch (its fastest form here; packed sequences were slower) and its
padding is masked out of the max. Only real tokens are counted for both.
The two alternate, several repeats each, on the same number of threads, and
the median of each is reported with their ratio.

Needs the pipeline's outputs (`results/split`, `results/vocab`,
`results/embeddings`) and PyTorch (`pip install -e '.[bench]'`):

    python benchmarks/engine_speed.py                      # rnn, lstm, gru
    python benchmarks/engine_speed.py --table batch        # 16 .. 1024
    python benchmarks/engine_speed.py --table hidden       # 32 .. 512
    python benchmarks/engine_speed.py --table reviews      # 5k, 10k, 25k
"""

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from arguments import whole_number as whole
from sentiment_rnn import model as M
from sentiment_rnn import optim, train, vocab

TABLES = {
    "batch": ("batch_size", [16, 32, 64, 128, 256, 512, 1024]),
    "hidden": ("hidden_size", [32, 64, 128, 256, 512]),
    "reviews": ("reviews", [5000, 10000, 25000]),
}


INPUTS = ("split/reviews.parquet", "vocab/vocab.tsv", "embeddings/matrix.npy")


def load(results):
    """Training sequences (ids, up to max_len) and the embedding matrix."""
    split, vocabulary, matrix = (Path(results, part) for part in INPUTS)
    reviews = pd.read_parquet(split)
    index = vocab.word_index(vocab.read_vocabulary(vocabulary))
    embeddings = np.load(matrix).astype(np.float32)
    return reviews, index, embeddings


def batches_of(data, batch_size, count, seed):
    """`count` length-bucketed batches (all when count is 0), padded and sorted,
    with their real labels."""
    sequences, labels = data
    lengths = np.array([len(s) for s in sequences])
    chosen = train.make_batches(lengths, batch_size, np.random.default_rng(seed))
    if count:
        chosen = chosen[:count]
    out = []
    for index in chosen:
        ids, lens, order = train.pad_batch(sequences, index)
        out.append((ids, lens, labels[index[order]]))
    return out


def ours(batches, embeddings, cell, hidden, threads):
    """Tokens per second of our engine over the batches (one pass), set up as
    the pipeline's training sets it up (`train.engine`)."""
    settings = train.TrainSettings(
        hidden_size=hidden,
        cell=cell,
        head="max",
        learning_rate=1e-3,
        clip_norm=5.0,
        train_embeddings=False,
        device="cpu",
        processes=threads,
    )
    spec = M.ModelSpec(*embeddings.shape, hidden, cell=cell, head="max")
    params = M.init_params(spec, embeddings, np.random.default_rng(0))
    trained = {k: v for k, v in params.items() if k != "E"}
    state = optim.init_state(np, trained, "adam")
    tokens = 0
    with train.engine(np, params, spec, settings) as (params, sliced):
        started = time.perf_counter()
        for ids, lens, y in batches:
            train.train_step(np, params, spec, state, settings, ids, lens, y, sliced)
            tokens += int(lens.sum())
        return tokens / (time.perf_counter() - started)


def pytorch(batches, embeddings, cell, hidden, device="cpu"):
    """Tokens per second of the same model in PyTorch over the batches."""
    import torch

    torch.manual_seed(0)
    layer = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    embed = torch.nn.Embedding.from_pretrained(torch.from_numpy(embeddings)).to(device)
    rnn = layer(embeddings.shape[1], hidden).to(device)
    out = torch.nn.Linear(hidden, 1).to(device)
    trained = [*rnn.parameters(), *out.parameters()]
    optimiser = torch.optim.Adam(trained, lr=1e-3)
    data = [
        (
            torch.from_numpy(ids.T.copy()).long().to(device),
            torch.from_numpy(lens).to(device),
            torch.from_numpy(y).to(device),
        )
        for ids, lens, y in batches
    ]
    steps = torch.arange(max(len(ids) for ids, _, _ in data), device=device)
    tokens = sum(int(lens.sum()) for _, lens, _ in batches)
    started = time.perf_counter()
    for ids, lens, y in data:
        states, _ = rnn(embed(ids))  # (T, B, H)
        valid = steps[: ids.shape[0], None] < lens[None, :]
        pooled = states.masked_fill(~valid[:, :, None], -torch.inf).amax(dim=0)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            out(pooled).squeeze(1), y
        )
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 5.0)
        optimiser.step()
        loss.item()  # as our engine reads its loss each step (a GPU sync)
    return tokens / (time.perf_counter() - started)


def compare(batches, embeddings, cell, hidden, repeats, threads, with_torch=True):
    """Median tokens/s of each over `repeats` alternating passes."""
    ours_runs, torch_runs = [], []
    for _ in range(repeats):
        ours_runs.append(ours(batches, embeddings, cell, hidden, threads))
        if with_torch:
            torch_runs.append(pytorch(batches, embeddings, cell, hidden))
    median = statistics.median
    return median(ours_runs), (median(torch_runs) if torch_runs else float("nan"))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--results",
        default="results",
        help="the pipeline's results folder (split, vocab and embeddings are read)",
    )
    parser.add_argument(
        "--cells",
        nargs="+",
        default=list(M.CELLS),
        choices=M.CELLS,
        help="cells to benchmark",
    )
    parser.add_argument(
        "--table", choices=sorted(TABLES), help="a sweep of one size instead"
    )
    parser.add_argument(
        "--batch-size", type=whole(1, 4096), default=64, help="rows a batch"
    )
    parser.add_argument(
        "--hidden-size", type=whole(1, 4096), default=64, help="hidden units"
    )
    parser.add_argument(
        "--max-len", type=whole(1, 100_000), default=256, help="tokens a review"
    )
    parser.add_argument(
        "--batches", type=whole(1, 10_000), default=40, help="batches a pass"
    )
    parser.add_argument(
        "--repeats",
        type=whole(1, 1000),
        default=3,
        help="alternating passes of each engine",
    )
    parser.add_argument(
        "--threads",
        type=whole(1, 256),
        default=2,
        help="our worker processes, and PyTorch's threads",
    )
    parser.add_argument("--no-torch", action="store_true", help="our engine only")
    args = parser.parse_args()
    needed = [Path(args.results, part) for part in INPUTS]
    missing = [str(path) for path in needed if not path.is_file()]
    if missing:
        parser.error(
            f"missing {', '.join(missing)}: run the pipeline first "
            "(snakemake --cores 4) or point --results at its results folder"
        )

    reference = "PyTorch left out (--no-torch)"
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            parser.error(
                "PyTorch is not installed: pip install -e '.[bench]' "
                "(or --no-torch for our engine alone)"
            )
        torch.set_num_threads(args.threads)
        reference = f"torch {torch.__version__}"
    try:
        reviews, index, embeddings = load(args.results)
    except (OSError, ValueError, EOFError) as err:  # a truncated or foreign file
        parser.error(
            f"cannot read the pipeline's outputs in {args.results} ({err}); "
            "run the pipeline again"
        )
    data = train.encode_split(reviews, "train", index, args.max_len, "first")
    sequences = data[0]
    if args.table == "reviews":  # up to 25,000: the training part is smaller
        extra = train.encode_split(reviews, "test", index, args.max_len, "first")
        data = (data[0] + extra[0], np.concatenate([data[1], extra[1]]))
    print(
        f"{len(sequences)} training reviews, up to {args.max_len} tokens; "
        f"embedding {embeddings.shape[1]}, frozen; {args.threads} threads; "
        f"{reference}, numpy {np.__version__}"
    )
    with threadpool_limits(args.threads):
        if args.table is None:
            print("cell   hidden  batch   ours tokens/s  torch tokens/s   ratio")
            batches = batches_of(data, args.batch_size, args.batches, seed=1)
            for cell in args.cells:
                a, b = compare(
                    batches,
                    embeddings,
                    cell,
                    args.hidden_size,
                    args.repeats,
                    args.threads,
                    not args.no_torch,
                )
                print(
                    f"{cell:<6} {args.hidden_size:>6} {args.batch_size:>6} "
                    f"{a:>14,.0f} {b:>15,.0f} {a / b:>7.2f}"
                )
            return
        name, values = TABLES[args.table]
        print(
            f"{'cell':<6} {name:>11}   ours tokens/s  torch tokens/s   ratio"
            + ("   s/epoch" if name == "reviews" else "")
        )
        for cell in args.cells:
            for value in values:
                size = dict(batch_size=args.batch_size, hidden=args.hidden_size)
                if name == "batch_size":
                    size["batch_size"] = value
                if name == "hidden_size":
                    size["hidden"] = value
                part = data
                count = max(2, args.batches * 64 // size["batch_size"])
                if name == "reviews":
                    keep = np.random.default_rng(0).permutation(len(data[1]))[:value]
                    part = ([data[0][i] for i in keep], data[1][keep])
                    count = 0  # a whole epoch
                batches = batches_of(part, size["batch_size"], count, seed=1)
                a, b = compare(
                    batches,
                    embeddings,
                    cell,
                    size["hidden"],
                    args.repeats,
                    args.threads,
                    not args.no_torch,
                )
                line = f"{cell:<6} {value:>11} {a:>15,.0f} {b:>15,.0f} {a / b:>7.2f}"
                if name == "reviews":
                    tokens = sum(int(lens.sum()) for _, lens, _ in batches)
                    line += f" {tokens / a:>9.1f}"
                print(line)


if __name__ == "__main__":
    main()
