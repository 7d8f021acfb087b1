"""Scoring speeches paragraph by paragraph with a trained model."""

import logging

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from . import text as textlib
from . import vocab
from .backend import get_backend
from .train import predict_or_nan

CONFIDENCE = 0.95

log = logging.getLogger(__name__)

EMPTY = "empty after cleaning"


def paragraphs(text, para_len):
    """Consecutive runs of `para_len` words (the last may be shorter).

    Words are whitespace-separated, counted as words, never as characters;
    every word is kept, in order, and no paragraph is empty.
    """
    words = text.split()
    return [" ".join(words[i : i + para_len]) for i in range(0, len(words), para_len)]


def _share_interval(positive, total):
    """Wilson score interval of the share of positive paragraphs.

    It treats paragraphs as independent draws, which neighbouring paragraphs of
    one speech are not quite: read it as a lower bound on the uncertainty.
    """
    if total == 0:
        return {"share_positive_low": np.nan, "share_positive_high": np.nan}
    interval = binomtest(positive, total).proportion_ci(CONFIDENCE, method="wilson")
    return {"share_positive_low": interval.low, "share_positive_high": interval.high}


def score_speeches(
    speeches, params, spec, index, stopwords, para_len, max_len, truncate, device="auto"
):
    """(per-speech table, per-paragraph table) of positive probabilities.

    A speech with no tokens after cleaning is reported with 0 paragraphs and
    no score. A paragraph whose words are all stopwords or punctuation gets no
    probability (NaN) and is left out of its speech's figures.
    """
    rows = []
    for speech in speeches.itertuples(index=False):
        if not textlib.tokenize(speech.text, stopwords):
            continue  # empty after cleaning: no paragraphs at all
        for number, para in enumerate(paragraphs(speech.text, para_len), start=1):
            tokens = " ".join(textlib.tokenize(para, stopwords))
            rows.append((speech.speech_id, number, para, tokens))
    paras = pd.DataFrame(rows, columns=["speech_id", "paragraph", "text", "tokens"])
    sequences, unknown = vocab.encode(paras["tokens"], index, max_len, truncate)
    paras["n_tokens"] = [len(s) for s in sequences]
    paras["oov_tokens"] = unknown
    xp, backend = get_backend(device)
    log.info("backend: %s", backend)
    paras["positive_probability"] = predict_or_nan(xp, params, spec, sequences)
    scorable = paras["n_tokens"].to_numpy() > 0
    if (~scorable).any():
        log.warning(
            "%d paragraphs have no tokens left after cleaning; not scored",
            int((~scorable).sum()),
        )

    summary = []
    for speech in speeches.itertuples(index=False):
        own = paras[paras["speech_id"] == speech.speech_id]
        p = own["positive_probability"].dropna().to_numpy()
        status = "ok" if len(p) else EMPTY
        if status == EMPTY:
            log.warning(
                "speech %d (row %d, speaker %r): %s; not scored",
                speech.speech_id,
                speech.row,
                speech.speaker,
                EMPTY,
            )
        summary.append(
            {
                "speech_id": speech.speech_id,
                "speaker": speech.speaker,
                "source": speech.source,
                "n_paragraphs": len(own),
                "n_tokens": int(own["n_tokens"].sum()),
                "oov_tokens": int(own["oov_tokens"].sum()),
                "mean_positive_probability": float(p.mean()) if len(p) else np.nan,
                "share_positive": float((p >= 0.5).mean()) if len(p) else np.nan,
                **_share_interval(int((p >= 0.5).sum()), len(p)),
                "mojibake_repaired": int(speech.mojibake),
                "status": status,
            }
        )
    paragraph_columns = [
        "speech_id",
        "paragraph",
        "n_tokens",
        "oov_tokens",
        "positive_probability",
        "text",
    ]
    return pd.DataFrame(summary), paras[paragraph_columns]
