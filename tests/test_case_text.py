"""Cases BR-TAGS and MOJIBAKE at the level of `sentiment_rnn.text`.

BR-TAGS: HTML tags must leave no tag-name tokens (`br`, `p`, `i`) and no token
holding `<`, `>` or `/`. MOJIBAKE: UTF-8 text that was decoded as Mac Roman or
cp1252 is counted, repaired when repair is on, and never leaks junk tokens.
"""

import pytest

from sentiment_rnn import text

SEPARATORS = set("<>/")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Great film.<br /><br />Loved it.", "great film loved it"),
        ("Great film.<br/>Loved it.", "great film loved it"),
        ("Great film.<br>Loved it.", "great film loved it"),
        ("Great film.<BR />Loved it.", "great film loved it"),
        ("<p>Nice</p><p>plot</p>", "nice plot"),
        ("An <i>x</i> factor", "an x factor"),
        ("So <b>bold</b>, so <em>brave</em>", "so bold so brave"),
        ('<a href="http://site.invalid/a/b">link</a> here', "link here"),
        ("Line one.<br />\n<br />Line two.", "line one line two"),
    ],
    ids=[
        "br-space-slash",
        "br-slash",
        "br",
        "BR-upper",
        "p",
        "i",
        "b-em",
        "a-href",
        "br-newline",
    ],
)
def test_tags_leave_no_tag_tokens(raw, expected):
    tokens = text.clean(raw)
    assert " ".join(tokens) == expected
    assert not any(SEPARATORS & set(t) for t in tokens)


def test_br_case_with_stopwords():
    raw = "Great film.<br /><br />Loved it."
    for preset in ("english", "english_sentiment_safe"):
        assert text.clean(raw, text.stopword_set(preset)) == ["great", "film", "loved"]


def test_normalise_keeps_readable_text_without_tags():
    assert text.normalise("Great film.<br /><br />Loved it.") == "Great film. Loved it."


# --- MOJIBAKE ---------------------------------------------------------------

MAC_ROMAN = "People are suÔ¨Äering. It is 1.5¬∞C warmer."
JUNK = set("Ô¨Ä¬∞Ã©â€™")


def test_mojibake_counts_two_suspect_sequences():
    assert text.count_mojibake(MAC_ROMAN) == 2


def test_mojibake_repaired_text_and_tokens():
    assert (
        text.normalise(MAC_ROMAN, repair=True)
        == "People are suffering. It is 1.5°C warmer."
    )
    tokens = text.clean(MAC_ROMAN, repair=True)
    assert "suffering" in tokens
    assert not any(JUNK & set(t) for t in tokens)


def test_mojibake_repair_off_leaks_no_junk():
    tokens = text.clean(MAC_ROMAN, repair=False)
    assert {"people", "are", "warmer"} <= set(tokens)
    assert not any(JUNK & set(t) for t in tokens)


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("donâ€™t waste it", ["dont", "waste", "it"]),  # cp1252 right quote
        ("cafÃ© au lait", ["café", "au", "lait"]),  # cp1252/latin-1 é
        ("the suﬀering", ["the", "suffering"]),  # a real ligature: NFKC
    ],
    ids=["cp1252-quote", "latin1-e-acute", "ligature"],
)
def test_other_mojibake_kinds_are_repaired(raw, repaired):
    assert text.clean(raw, repair=True) == repaired
    assert not any(JUNK & set(t) for t in text.clean(raw, repair=False))


@pytest.mark.parametrize("raw", ["naïve café visit", "plain ascii text", "Zoë’s 1.5°C"])
def test_clean_non_ascii_text_is_not_suspect(raw):
    assert text.count_mojibake(raw) == 0
    assert text.normalise(raw, repair=True) == raw
    assert text.normalise(raw, repair=False) == raw
