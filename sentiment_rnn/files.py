"""Downloads with checksums, local mirrors, and all-or-nothing file writes."""

import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pooch

from .errors import InputError

log = logging.getLogger(__name__)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; rename it to `path` on success.

    A stage that fails (or is interrupted) half-way leaves no file under the
    final name, only nothing: the temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def sha256_of(path):
    """Hex sha256 digest of a file."""
    return pooch.file_hash(str(path), alg="sha256")


def check_sha256(path, expected, name=None):
    """Raise InputError naming the file and both digests when they differ."""
    found = sha256_of(path)
    if found != expected.lower():
        raise InputError(
            f"{name or Path(path).name}: checksum mismatch: expected sha256 "
            f"{expected.lower()}, found {found} (file {path})"
        )
    return found


def fetch(source, out_path, mirror=None):
    """Fetch one source to `out_path`, checking its sha256.

    `source` is a mapping with `url`, `sha256` and optionally `file` (its name
    inside a mirror folder, by default the last part of the URL) and
    `mirror_sha256` (the digest of the mirror's copy, by default `sha256`).
    With `mirror` set, the file is copied from that folder instead of being
    downloaded; nothing is fetched over the network then.
    """
    out_path = Path(out_path)
    url = source["url"]
    name = source.get("file") or url.rstrip("/").rsplit("/", 1)[-1]
    if mirror:
        local = Path(mirror) / name
        if not local.is_file():
            raise InputError(
                f"mirror {mirror}: file {name!r} not found (expected a local copy of {url})"
            )
        expected = source.get("mirror_sha256") or source["sha256"]
        check_sha256(local, expected, name=str(local))
        with atomic_path(out_path) as tmp:
            shutil.copyfile(local, tmp)
        log.info("copied %s from mirror %s (sha256 %s)", name, mirror, expected)
        return out_path

    # pooch downloads to a temporary file, shows progress on a terminal, checks
    # the digest, and skips the download when a good copy is already there.
    try:
        pooch.retrieve(
            url,
            known_hash=f"sha256:{source['sha256']}",
            fname=out_path.name,
            path=out_path.parent,
            progressbar=True,
        )
    except ValueError as err:
        if "hash" in str(err):
            raise InputError(f"{name} from {url}: checksum mismatch: {err}") from err
        raise
    log.info("downloaded %s (sha256 %s)", url, source["sha256"])
    return out_path
