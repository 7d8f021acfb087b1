"""Tiny inputs and helpers shared by the tests.

This module holds no tests. Everything is made in code under a tmp folder:
an aclImdb-style tarball, a speeches.csv, a 4-d GloVe text file, a config that
points `mirror` at them (digests computed when the files are written), and a
small model trained on the spot. Nothing here reaches the network.
"""

import contextlib
import hashlib
import io
import logging
import os
import subprocess
import sys
import tarfile
import types
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEFILE = REPO / "Snakefile"
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"

POSITIVE = "good great lovely wonderful superb fun".split()
NEGATIVE = "bad awful boring dull terrible waste".split()
NEUTRAL = "the film movie plot story naïve café visit was a".split()

GLOVE_4D = "good 0.1 0.2 0.3 0.4\nbad -0.1 -0.2 -0.3 -0.4\nfilm 0.0 0.5 0.0 0.5\n"


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tiny_reviews(n_per_label, seed):
    """(text, label) pairs: neutral words and words of one polarity, with <br />."""
    rng = np.random.default_rng(seed)
    out = []
    for label, words in ((1, POSITIVE), (0, NEGATIVE)):
        for i in range(n_per_label):
            picked = list(rng.choice(NEUTRAL, 3)) + list(rng.choice(words, 3))
            rng.shuffle(picked)
            out.append(
                (" ".join(picked).capitalize() + f" {i}.<br /><br />End.", label)
            )
    return out


def add_member(archive, name, data=b"", kind=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    archive.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def write_aclimdb(path, n_train=8, n_test=4, extra=()):
    """A tarball laid out like aclImdb_v1.tar.gz (n reviews per label and split)."""
    with tarfile.open(path, "w:gz") as archive:
        add_member(archive, "aclImdb/README", b"tiny test archive\n")
        number = 0
        for split, n, seed in (("train", n_train, 0), ("test", n_test, 1)):
            for text, label in tiny_reviews(n, seed):
                polarity = "pos" if label else "neg"
                stars = 9 if label else 2
                add_member(
                    archive,
                    f"aclImdb/{split}/{polarity}/{number}_{stars}.txt",
                    text.encode("utf-8"),
                )
                number += 1
        for name, data in extra:
            add_member(archive, name, data)
    return path


def write_glove(path, dim=4, seed=0):
    """A GloVe text file of every tiny word (café, naïve included)."""
    rng = np.random.default_rng(seed)
    words = [w for w in POSITIVE + NEGATIVE + NEUTRAL + ["end"] if w != "café"]
    lines = [
        w + " " + " ".join(f"{v:.4f}" for v in rng.normal(size=dim)) for w in words
    ]
    lines.append("café " + " ".join(f"{0.1 * (i + 1):.1f}" for i in range(dim)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SPEECHES = (
    "speaker,speech,source\n"
    'Zoë,"naïve café visit",Source 1\n'
    'Speaker B,"A wonderful, great film. Good fun!",Source 2\n'
    'Speaker C,"Awful, boring and dull. A waste.",Source 3\n'
)


def make_mirror(folder, speeches=SPEECHES, speeches_name="speeches.csv"):
    """mirror/ with the tarball, speeches and glove.txt; returns their sources."""
    mirror = Path(folder) / "mirror"
    mirror.mkdir(parents=True, exist_ok=True)
    write_aclimdb(mirror / "aclImdb_tiny.tar.gz")
    (mirror / speeches_name).write_text(speeches, encoding="utf-8")
    write_glove(mirror / "glove.txt")
    return mirror


def tiny_config(mirror, speeches_name="speeches.csv", **overrides):
    mirror = Path(mirror)
    config = {
        "mirror": str(mirror),
        "reviews_format": "aclimdb",
        "reviews": {
            "url": "https://example.invalid/aclImdb_tiny.tar.gz",
            "sha256": sha256(mirror / "aclImdb_tiny.tar.gz"),
        },
        "speeches": {
            "url": "https://example.invalid/speeches.csv",
            "sha256": sha256(mirror / speeches_name),
            "file": speeches_name,
        },
        "glove_source": "text",
        "glove": {
            "url": "https://example.invalid/glove.txt",
            "sha256": sha256(mirror / "glove.txt"),
        },
        "valid_fraction": 0.25,
        "min_count": 1,
        "max_vocab": 200,
        # the model is given whole, so that the tests hold whatever the
        # repository's defaults are
        "cell": "rnn",
        "layers": 1,
        "bidirectional": False,
        "head": "max",
        "hidden_size": 4,
        "max_len": 256,
        "dropout": 0.0,
        "embedding_dropout": 0.0,
        "epochs": 1,
        "batch_size": 8,
        "device": "cpu",
        "para_len": 100,
    }
    config.update(overrides)
    return config


def write_config(folder, config, extra_text=""):
    path = Path(folder) / "config.yaml"
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    path.write_text(extra_text + text, encoding="utf-8")
    return path


def snakemake_command(folder, *args, cores=4):
    """The command line; the Snakefile's own `configfile:` reads folder/config.yaml."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(SNAKEFILE),
        "--directory",
        str(folder),
        "--cores",
        str(cores),
        *args,
    ]


def run_snakemake(folder, *args, env=None, timeout=120):
    """The real snakemake command in `folder`; returns the CompletedProcess."""
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        snakemake_command(folder, *args),
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        cwd=folder,
    )


def load_script(name):
    """A workflow script as a module, so that its `main(smk)` can be called."""
    import importlib.util

    path = REPO / "workflow" / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"case_script_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Named(types.SimpleNamespace):
    """Like Snakemake's named lists: attributes, `get`, and index 0."""

    def get(self, key, default=None):
        return getattr(self, key, default)

    def __getitem__(self, i):
        return list(vars(self).values())[i]


def fake_smk(
    rule, log, input=None, output=None, params=None, threads=1, resources=None
):
    return types.SimpleNamespace(
        rule=rule,
        log=[str(log)],
        threads=threads,
        resources=_Named(**{"mem_mb": 1000, **(resources or {})}),
        input=_Named(**{k: str(v) for k, v in (input or {}).items()}),
        output=_Named(**{k: str(v) for k, v in (output or {}).items()}),
        params=_Named(**(params or {})),
    )


def glove_4d(tmp_path):
    """The 4-d glove.txt of the cases (good, bad, film) written under tmp_path."""
    path = Path(tmp_path) / "glove.txt"
    path.write_text(GLOVE_4D, encoding="utf-8")
    return path


def tiny_model(hidden=4, seed=0, epochs=1, dtype="float32"):
    """(params, spec, index): a model trained on a few short texts.

    Its vocabulary is good, bad, film; its embeddings come from the 4-d
    GloVe lines of the cases, so the model's input size is 4.
    """
    from sentiment_rnn import glove, train, vocab

    rows = ["good film", "good good", "bad film", "bad bad", "good", "bad"]
    labels = np.array([1, 1, 0, 0, 1, 0], dtype=np.float32)
    table = vocab.build_vocabulary(rows, min_count=1)
    index = vocab.word_index(table)
    words, vectors = glove.parse_text(
        GLOVE_4D.encode("utf-8").splitlines(True), "glove.txt"
    )
    matrix, _ = vocab.embedding_matrix(table, words, vectors, seed=42, oov_scale=0.1)
    sequences, _ = vocab.encode(rows, index)
    settings = train.TrainSettings(
        hidden_size=hidden,
        epochs=epochs,
        batch_size=2,
        device="cpu",
        patience=0,
        seed=seed,
        dtype=dtype,
    )
    params, spec, _, _ = train.train(
        (sequences, labels), (sequences, labels), matrix, settings
    )
    return params, spec, index


@contextlib.contextmanager
def isolated_logging():
    """Undo what a stage script's `start_logging` does to the root logger."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)
        logging.captureWarnings(False)
