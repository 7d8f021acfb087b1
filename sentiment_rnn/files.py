"""Downloads with checksums, local mirrors, and all-or-nothing file writes."""

import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pooch
import requests

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
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


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


def check_unchanged(path, digests):
    """A downloaded file must still have one of the digests it was fetched with.

    Files under data/ belong to the workflow: one edited or swapped after its
    download would otherwise flow into every result unnoticed.
    """
    found = sha256_of(path)
    if found not in {d.lower() for d in digests}:
        raise InputError(
            f"{path}: sha256 {found} matches none of the configured digests "
            f"{sorted(digests)}; the file changed after it was fetched. Delete it "
            "to fetch it again, or give your own file as the source's url"
        )


def fetch(source, out_path, mirror=None):
    """Fetch one source to `out_path`, checking its sha256.

    `source` is a mapping with `url`, `sha256` and optionally `file` (its name
    inside a mirror folder, by default the last part of the URL) and
    `mirror_sha256` (the digest of the mirror's copy, by default `sha256`).
    With `mirror` set, the file is copied from that folder instead of being
    downloaded; nothing is fetched over the network then. A `url` without a
    scheme, or a file:// URL, names a file on this machine: it is copied
    from there, mirror or not.

    Returns where the bytes came from: the local file's path or the URL.
    """
    out_path = Path(out_path)
    url = source["url"]
    name = source.get("file") or url.rstrip("/").rsplit("/", 1)[-1]
    if "://" not in url or url.startswith("file://"):
        local = Path(url.removeprefix("file://")).expanduser()  # a file on this machine
        if not local.is_file():
            raise InputError(
                f"{url}: local file not found (looked at {local.resolve()})"
            )
        expected = source["sha256"]
    elif mirror:
        if not Path(mirror).is_dir():
            raise InputError(
                f"mirror folder '{mirror}' does not exist (looked at {Path(mirror).resolve()})"
            )
        local = Path(mirror) / name
        if not local.is_file():
            raise InputError(
                f"mirror {mirror}: file {name!r} not found (expected a local copy of {url})"
            )
        expected = source.get("mirror_sha256") or source["sha256"]
    else:
        local = None
    if local is not None:
        check_sha256(local, expected, name=str(local))
        with atomic_path(out_path) as tmp:
            shutil.copyfile(local, tmp)
        log.info("copied %s (sha256 %s)", local, expected)
        return str(local)

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
    except requests.RequestException as err:
        raise InputError(
            f"{name}: download from {url} failed ({type(err).__name__}); check the "
            f"network, or set mirror to a folder holding {name}"
        ) from None
    log.info("downloaded %s (sha256 %s)", url, source["sha256"])
    return url
