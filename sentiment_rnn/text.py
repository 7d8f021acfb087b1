"""Text cleaning shared by reviews and speeches.

`normalise` repairs the characters (mojibake, HTML, control characters) and keeps
case and punctuation, so that people can read its output; `tokenize` turns
normalised text into the lowercase word tokens the model sees.
"""

import html
import re
import unicodedata

import ftfy
import ftfy.badness
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

TAG_RE = re.compile(r"<[^>]*>")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # form feeds, NULs, C1 controls
# A word is a run of letters or digits. Apostrophes are dropped before
# splitting, so that "don't" stays one token, "dont" (GloVe knows it).
TOKEN_RE = re.compile(r"[^\W_]+")
NO_APOSTROPHES = str.maketrans("", "", "'’")

# Words of the common English stopword lists that carry sentiment: negations,
# intensifiers, contrasts. Dropping them turns "not good" into "good".
SENTIMENT_WORDS = frozenset(
    "against all almost alone although but cannot cant couldnt enough even ever "
    "few however least less little many more most much neither never no nobody "
    "none noone nor not nothing nowhere only rather several so too very well "
    "without yet".split()
)

STOPWORD_PRESETS = {
    "none": frozenset(),
    "english": frozenset(ENGLISH_STOP_WORDS),
    "english_sentiment_safe": frozenset(ENGLISH_STOP_WORDS) - SENTIMENT_WORDS,
}


def stopword_set(preset="none", extra=()):
    """The stopwords of a preset (see STOPWORD_PRESETS) plus `extra` words."""
    if preset not in STOPWORD_PRESETS:
        raise ValueError(
            f"stopwords: unknown preset {preset!r}; expected one of "
            f"{sorted(STOPWORD_PRESETS)}"
        )
    return STOPWORD_PRESETS[preset] | {w.lower() for w in extra}


def count_mojibake(text):
    """Number of character sequences that look like mis-decoded UTF-8."""
    return ftfy.badness.badness(text)


def normalise(text, repair=True):
    """Readable, repaired text: encodings fixed, HTML and control characters out.

    With `repair` on, mojibake is undone by ftfy (re-encode, decode as UTF-8)
    and the result NFKC-normalised, so the ligature "ﬀ" reads "ff". With it
    off, every word that holds a suspect sequence is dropped instead, so no
    junk reaches the tokens. ASCII text cannot hold mojibake and skips ftfy.
    """
    if not text.isascii():
        if repair:
            if ftfy.badness.is_bad(text):
                text = ftfy.fix_text(text, unescape_html=False)
            text = unicodedata.normalize("NFKC", text)
        else:
            text = " ".join(w for w in text.split() if not ftfy.badness.is_bad(w))
    text = TAG_RE.sub(" ", text)  # "<br />" -> " ", leaves no "br"
    text = html.unescape(text)
    text = CONTROL_RE.sub(" ", text)
    return " ".join(text.split())


def tokenize(text, stopwords=frozenset()):
    """Lowercase word tokens of normalised text, punctuation and stopwords out.

    Apostrophes are removed ("don't" -> "dont") so that a negation stays one
    token.
    """
    tokens = TOKEN_RE.findall(text.lower().translate(NO_APOSTROPHES))
    if stopwords:
        tokens = [t for t in tokens if t not in stopwords]
    return tokens


def clean(text, stopwords=frozenset(), repair=True):
    """Tokens of raw text: `tokenize(normalise(text))`."""
    return tokenize(normalise(text, repair=repair), stopwords)
