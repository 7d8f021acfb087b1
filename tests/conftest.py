"""Shared fixtures: tiny inputs made in code, and a workspace for the workflow.

Nothing here touches the network: the workspace's config points `mirror` at a
folder of tiny files whose digests are computed when they are written.
"""

import hashlib
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]

POSITIVE = "great wonderful loved superb brilliant moving fun".split()
NEGATIVE = "awful boring hated dull terrible waste bad".split()
NEUTRAL = "the film movie plot actor story scene it was a".split()
GLOVE_WORDS = POSITIVE + NEGATIVE + NEUTRAL + ["café", "good", "qwzx_never"]


def tiny_reviews(n_per_label=12, seed=0):
    """(text, label) pairs: a few neutral words and words of one polarity."""
    rng = np.random.default_rng(seed)
    out = []
    for label, words in ((1, POSITIVE), (0, NEGATIVE)):
        for _ in range(n_per_label):
            picked = list(rng.choice(NEUTRAL, 4)) + list(rng.choice(words, 3))
            rng.shuffle(picked)
            length = int(rng.integers(3, len(picked) + 1))
            out.append(
                (" ".join(picked[:length]).capitalize() + ".<br /><br />", label)
            )
    return out


def write_aclimdb(path, n_per_label=12, extra_members=()):
    """A tarball laid out like aclImdb_v1.tar.gz, with train and test parts."""
    with tarfile.open(path, "w:gz") as archive:

        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

        add("aclImdb/README", b"tiny test archive\n")
        number = 0
        for split, seed in (("train", 0), ("test", 1)):
            for text, label in tiny_reviews(n_per_label, seed):
                polarity = "pos" if label else "neg"
                stars = 9 if label else 2
                add(f"aclImdb/{split}/{polarity}/{number}_{stars}.txt", text.encode())
                number += 1
        for name, data in extra_members:
            add(name, data)
    return path


def write_glove(path, dim=4, seed=0):
    rng = np.random.default_rng(seed)
    lines = [
        w + " " + " ".join(f"{v:.4f}" for v in rng.normal(size=dim))
        for w in GLOVE_WORDS
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SPEECHES = (
    "speaker,speech,source\n"
    'Speaker A,"It was a wonderful, great film. Loved it! The story was fun.",Source 1\n'
    'speaker b ,"Awful. Boring, dull and a waste; the plot was terrible.",Source 2\n'
)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tiny_config(mirror, **overrides):
    """A config for the tiny inputs in `mirror`: small and fast everywhere."""
    mirror = Path(mirror)
    config = {
        "mirror": str(mirror),
        "reviews": {
            "url": "https://example.invalid/aclImdb_v1.tar.gz",
            "sha256": sha256(mirror / "aclImdb_v1.tar.gz"),
        },
        "speeches": {
            "url": "https://example.invalid/speeches.csv",
            "sha256": sha256(mirror / "speeches.csv"),
        },
        "glove_source": "text",
        "glove": {
            "url": "https://example.invalid/glove.txt",
            "sha256": sha256(mirror / "glove.txt"),
        },
        "valid_fraction": 0.25,
        "min_count": 1,
        "max_vocab": 200,
        "hidden_size": 4,
        "epochs": 2,
        "batch_size": 8,
        "device": "cpu",
        "para_len": 5,
    }
    config.update(overrides)
    return config


@pytest.fixture
def workspace(tmp_path):
    """A folder with tiny inputs under mirror/ and a config.yaml pointing there."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    write_aclimdb(mirror / "aclImdb_v1.tar.gz")
    (mirror / "speeches.csv").write_text(SPEECHES, encoding="utf-8")
    write_glove(mirror / "glove.txt")
    write_config(tmp_path, tiny_config(mirror))
    return tmp_path


def write_config(folder, config):
    path = Path(folder) / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def run_snakemake(folder, *args, env=None, check=True):
    """Run the real snakemake command on the repository's Snakefile in `folder`."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(folder),
        "--configfile",
        str(Path(folder) / "config.yaml"),
        "--cores",
        "2",
        *args,
    ]
    environment = {**os.environ, **(env or {})}
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-4000:]}"
        )
    return result


def planned_jobs(folder):
    """Rules a dry run would run, with counts, from `snakemake -n` job stats."""
    out = run_snakemake(folder, "-n").stdout
    if "Nothing to be done" in out:
        return {}
    stats = out.split("Job stats:", 1)[1].split("total", 1)[0]
    jobs = {}
    for line in stats.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            jobs[parts[0]] = int(parts[1])
    jobs.pop("all", None)
    return jobs


@pytest.fixture
def copy_repo_config():
    """The repository's own config.yaml, loaded safely."""
    return yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
