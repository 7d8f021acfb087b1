"""What every stage script shares: logging to the rule's log, atomic writes."""

import json
import logging
import sys
import time

import numpy as np

from .errors import InputError
from .files import atomic_path

log = logging.getLogger("sentiment_rnn.stage")


def start_logging(log_path, name):
    """Send every log record to the rule's log file and to stderr.

    An exception that ends the stage is logged there too, so the log that
    Snakemake points to on failure says why: bad input (`InputError`) as its
    message alone, Ctrl-C as one line, anything else with its traceback.

    Returns a function that logs the stage's one-line summary with the time
    taken since this call.
    """
    handlers = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)
    sys.excepthook = _log_failure
    started = time.perf_counter()

    def done(summary):
        log.info("%s: %s (%.1f s)", name, summary, time.perf_counter() - started)

    return done


def _log_failure(kind, error, traceback):
    if issubclass(kind, KeyboardInterrupt):
        log.error("interrupted (Ctrl-C)")
        sys.exit(130)
    if issubclass(kind, InputError):
        log.error("%s", error)
    else:
        log.error("stage failed", exc_info=(kind, error, traceback))
    sys.exit(1)


def write_json(path, obj):
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")


def write_parquet(frame, path):
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def write_csv(frame, path):
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8")


def write_npy(array, path):
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, array, allow_pickle=False)
