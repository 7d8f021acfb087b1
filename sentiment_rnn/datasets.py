"""Reading, cleaning and splitting the reviews and the speeches.

Row numbers in messages count a CSV file's header as row 1, as a spreadsheet
shows them; reviews from the aclImdb archive are named by their member path.
"""

import csv
import functools
import hashlib
import io
import logging
import multiprocessing
import re
import tarfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from . import text as textlib
from .errors import InputError

log = logging.getLogger(__name__)

ACLIMDB_MEMBER_RE = re.compile(
    r"(?:^|/)aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$"
)
LABEL_WORDS = {"positive": 1, "pos": 1, "1": 1, "negative": 0, "neg": 0, "0": 0}
SPLITS = ("train", "valid", "test")


def read_utf8(path):
    """The text of a UTF-8 file (a BOM is dropped); bad bytes name file and line."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(
            f"{Path(path).name}: line {line}: byte 0x{data[err.start]:02X} is not "
            f"valid UTF-8 (expected a UTF-8 text file)"
        ) from None


def read_csv(path, required):
    """A CSV file as a table of strings, checked record by record.

    Every record must have as many fields as the header: an unquoted comma in
    a text would otherwise shift it into the next column without a word. The
    header must name each required column once.
    """
    path = Path(path)
    text = read_utf8(path)
    if not text.strip():
        raise InputError(
            f"{path.name}: file is empty; expected a header {','.join(required)}"
        )
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as err:
        raise InputError(f"{path.name}: not a valid CSV file: {err}") from None
    records = [r for r in records if r]  # blank lines
    header = records[0]
    for column in required:
        if column not in header:
            raise InputError(
                f"{path.name}: missing required column {column!r}; found {header!r}"
            )
        if header.count(column) > 1:
            raise InputError(
                f"{path.name}: column {column!r} appears twice in {header!r}"
            )
    for row, record in enumerate(records[1:], start=2):
        if len(record) != len(header):
            raise InputError(
                f"{path.name}: row {row} has {len(record)} fields, expected "
                f"{len(header)} ({','.join(header)}); put quotes around a text "
                "that contains commas"
            )
    if len(records) < 2:
        raise InputError(f"{path.name}: no rows after the header")
    return pd.DataFrame(records[1:], columns=header, dtype=str)


def read_reviews_csv(path):
    """Reviews from a `review,sentiment` CSV (the "IMDB Dataset.csv" form).

    Labels are read case- and space-insensitively (positive/pos/1,
    negative/neg/0); any other label is an error naming its row.
    """
    path = Path(path)
    frame = read_csv(path, ["review", "sentiment"])
    rows = np.arange(len(frame)) + 2
    labels = frame["sentiment"].str.strip().str.lower().map(LABEL_WORDS)
    unknown = labels.isna().to_numpy()
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise InputError(
            f"{path.name}: unknown label {frame['sentiment'].iloc[i]!r} in row "
            f"{rows[i]} (column 'sentiment'); expected positive or negative"
        )
    return pd.DataFrame(
        {
            "review_id": [f"row {r}" for r in rows],
            "split": "",  # no split of its own: split_reviews makes one
            "label": labels.astype("int8").to_numpy(),
            "text": frame["review"].to_numpy(),
        }
    )


def read_aclimdb(path):
    """Labelled reviews from the aclImdb tarball, read without extracting it.

    Only regular files named `aclImdb/{train,test}/{pos,neg}/<id>_<stars>.txt`
    are read; links, the unlabelled `train/unsup` reviews and every other file
    (`.feat`, `urls_*.txt`, README) are skipped and counted. Nothing is written
    to disk, so no member can land outside a target folder.
    """
    path = Path(path)
    records, skipped_unsup, skipped_other = [], 0, 0
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                match = ACLIMDB_MEMBER_RE.search(member.name)
                if match is None or not member.isfile():
                    if "/unsup/" in member.name and member.isfile():
                        skipped_unsup += 1
                    elif not member.isdir():
                        skipped_other += 1
                    continue
                raw = archive.extractfile(member).read()
                try:
                    body = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise InputError(
                        f"{path.name}: member {member.name} is not valid UTF-8"
                    ) from None
                split, polarity = match.group(1), match.group(2)
                records.append((member.name, split, int(polarity == "pos"), body))
    except (tarfile.TarError, zlib.error, EOFError, OSError) as err:
        raise InputError(
            f"{path.name}: tar archive truncated or corrupt: {err}"
        ) from None
    if not records:
        raise InputError(
            f"{path.name}: no reviews found; expected members named "
            "aclImdb/{train,test}/{pos,neg}/<id>_<stars>.txt"
        )
    log.info(
        "read %d labelled reviews; ignored %d unlabelled (train/unsup) and %d other "
        "members (.feat, urls, README, links)",
        len(records),
        skipped_unsup,
        skipped_other,
    )
    frame = pd.DataFrame(records, columns=["review_id", "split", "label", "text"])
    frame["label"] = frame["label"].astype("int8")
    return frame.sort_values("review_id", kind="stable").reset_index(drop=True)


def read_reviews(path, fmt):
    """Reviews in either supported form: `aclimdb` (tarball) or `csv`."""
    if fmt == "aclimdb":
        return read_aclimdb(path)
    if fmt == "csv":
        return read_reviews_csv(path)
    raise InputError(
        f"reviews format {fmt!r} is not supported; expected aclimdb or csv"
    )


def _name_rows(ids, most=10):
    ids = list(ids)
    named = ", ".join(ids[:most])
    return named + (f" and {len(ids) - most} more" if len(ids) > most else "")


def _clean_all(texts, stopwords, repair, processes):
    work = functools.partial(textlib.clean, stopwords=stopwords, repair=repair)
    # "fork" shares the loaded texts without pickling them; where the system
    # has no fork (Windows), the work runs in this process.
    if (
        processes <= 1
        or len(texts) < 1000
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return [work(t) for t in texts]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        return pool.map(work, texts, chunksize=500)


def clean_reviews(frame, stopwords=frozenset(), repair=True, processes=1):
    """Deduplicate, drop conflicting labels, clean, drop rows empty after cleaning.

    Duplicates are exact copies of a text within one split: the first is kept,
    except in the test split of a dataset that brings its own (aclImdb): there
    they are counted and kept, so that test figures stay comparable with
    published ones on all 25,000 test reviews. A text with two different labels
    within one split is dropped altogether. Returns the cleaned table (columns
    review_id, split, label, tokens, n_tokens, text_sha1) and a report of the
    counts.
    """
    frame = frame.copy()
    frame["text_sha1"] = [
        hashlib.sha1(t.encode("utf-8")).hexdigest() for t in frame["text"]
    ]
    report = {"read": len(frame)}

    groups = frame.groupby(["split", "text_sha1"], sort=False)["label"]
    conflicted = groups.transform("nunique").to_numpy() > 1
    if conflicted.any():
        ids = frame.loc[conflicted, "review_id"]
        log.warning(
            "%d reviews dropped for conflicting labels: %s", len(ids), _name_rows(ids)
        )
    report["conflicting_dropped"] = int(conflicted.sum())
    frame = frame.loc[~conflicted]

    duplicated = (
        frame.duplicated(["split", "text_sha1"], keep="first").to_numpy().copy()
    )
    in_test = (frame["split"] == "test").to_numpy()
    report["test_duplicates_kept"] = int((duplicated & in_test).sum())
    duplicated &= ~in_test
    report["duplicates_removed"] = int(duplicated.sum())
    log.info(
        "%d duplicate%s removed", duplicated.sum(), "" if duplicated.sum() == 1 else "s"
    )
    if report["test_duplicates_kept"]:
        log.info("%d duplicates kept in the test split", report["test_duplicates_kept"])
    frame = frame.loc[~duplicated]

    tokens = _clean_all(frame["text"].tolist(), stopwords, repair, processes)
    empty = np.array([len(t) == 0 for t in tokens], dtype=bool)
    if empty.any():
        ids = frame.loc[empty, "review_id"]
        log.warning(
            "%d review%s empty after cleaning (%s)",
            len(ids),
            "" if len(ids) == 1 else "s",
            _name_rows(ids),
        )
    report["empty_dropped"] = int(empty.sum())
    frame = frame.assign(
        tokens=[" ".join(t) for t in tokens], n_tokens=[len(t) for t in tokens]
    ).loc[~empty]
    report["kept"] = len(frame)
    columns = ["review_id", "split", "label", "tokens", "n_tokens", "text_sha1"]
    return frame[columns].reset_index(drop=True), report


def split_reviews(frame, valid_fraction, test_fraction, seed):
    """Add a `split` of train/valid/test, reproducible for a given seed.

    Reviews that come with the dataset's own train/test split keep it, and the
    validation part is carved from train; reviews without one (the CSV form) get
    a stratified train/valid/test split. Both are stratified by label.
    """
    frame = frame.copy()
    has_own = frame["split"].isin(["train", "test"]).all()
    if not has_own:
        train_idx, test_idx = _stratified(
            frame.index, frame["label"], test_fraction, seed, "test_fraction"
        )
        frame.loc[test_idx, "split"] = "test"
        frame.loc[train_idx, "split"] = "train"
    train = frame.index[frame["split"] == "train"]
    fit_idx, valid_idx = _stratified(
        train, frame.loc[train, "label"], valid_fraction, seed, "valid_fraction"
    )
    frame.loc[valid_idx, "split"] = "valid"
    for split in ("train", "test"):
        labels = set(frame.loc[frame["split"] == split, "label"].tolist())
        if labels != {0, 1}:
            found = ", ".join(str(x) for x in sorted(labels)) or "no reviews"
            raise InputError(
                f"the {split} reviews hold label(s) {found}; both classes "
                "(0 negative, 1 positive) are needed to train and test a classifier"
            )

    in_train = set(frame.loc[frame["split"] != "test", "text_sha1"])
    in_test = set(frame.loc[frame["split"] == "test", "text_sha1"])
    overlap = len(in_train & in_test)
    sizes = frame["split"].value_counts().reindex(SPLITS, fill_value=0).to_dict()
    log.info("split sizes: %s", sizes)
    log.info("%d texts stand in both train and test", overlap)
    return frame, {
        "sizes": {k: int(v) for k, v in sizes.items()},
        "train_test_overlap": overlap,
    }


def _stratified(index, labels, fraction, seed, setting):
    """Split `index` into (keep, held_out) with `fraction` held out per label."""
    if fraction <= 0:
        return index, index[:0]
    try:
        keep, held = train_test_split(
            index, test_size=fraction, random_state=seed, stratify=labels.to_numpy()
        )
    except ValueError as err:
        raise InputError(
            f"{setting}: cannot hold out {fraction} of {len(index)} reviews with "
            f"both labels in each part ({err})"
        ) from None
    return keep, held


def read_speeches(path, repair=True):
    """Speeches with trimmed speakers and normalised text.

    Columns: speech_id (1-based data row), row (CSV row, header = 1), speaker,
    source, text (normalised, readable), mojibake (suspect sequences found).
    Each speech with mojibake is named in a warning.
    """
    path = Path(path)
    frame = read_csv(path, ["speaker", "speech", "source"])
    records = []
    for i, (speaker, speech, source) in enumerate(
        frame[["speaker", "speech", "source"]].itertuples(index=False), start=1
    ):
        speaker = " ".join(speaker.split())
        suspect = textlib.count_mojibake(speech)
        if suspect:
            log.warning(
                "%s: speech %d (row %d, speaker %r): %d suspect mojibake sequence%s, %s",
                path.name,
                i,
                i + 1,
                speaker,
                suspect,
                "" if suspect == 1 else "s",
                "repaired" if repair else "words holding them dropped",
            )
        records.append(
            (
                i,
                i + 1,
                speaker,
                source.strip(),
                textlib.normalise(speech, repair),
                suspect,
            )
        )
    return pd.DataFrame(
        records, columns=["speech_id", "row", "speaker", "source", "text", "mojibake"]
    )
