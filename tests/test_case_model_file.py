"""Cases on the model file (`sentiment_rnn.model.save_params` / `load_params`).

PICKLE-MODEL-FILE: plain arrays in an .npz, loaded with allow_pickle=False;
pickles are refused before any of them runs; missing or misshapen parameters
and broken metadata are named. SMK-INCOMPLETE-OUTPUT (b): a truncated file is
reported as truncated or corrupt, also where scoring reads it.
"""

import json
import os
import pickle
import re

import numpy as np
import pandas as pd
import pytest
import support as S

from sentiment_rnn import model, vocab
from sentiment_rnn.errors import InputError

SPEC = model.ModelSpec(vocab_size=5, embedding_dim=4, hidden_size=3)


def good_params():
    embeddings = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    return model.init_params(SPEC, embeddings, np.random.default_rng(1))


SPEC_FIELDS = {"vocab_size": 5, "embedding_dim": 4, "hidden_size": 3}


def meta_json(spec=SPEC):
    return np.array(
        json.dumps(
            {
                "spec": {
                    "vocab_size": spec.vocab_size,
                    "embedding_dim": spec.embedding_dim,
                    "hidden_size": spec.hidden_size,
                    "cell": spec.cell,
                    "head": spec.head,
                }
            }
        )
    )


class MakesMarker:
    """Unpickling this creates a marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mknod, (self.marker,))


def test_save_writes_plain_arrays_that_load_without_pickle(tmp_path):
    path = tmp_path / "params.npz"
    params = good_params()
    model.save_params(path, params, SPEC, {"max_len": 256})
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted([*SPEC.shapes(), "meta_json"])
        assert all(archive[k].dtype != object for k in archive.files)
    loaded, spec, meta = model.load_params(path)
    assert spec == SPEC
    assert meta["max_len"] == 256
    for key, value in params.items():
        np.testing.assert_array_equal(loaded[key], value)


def test_npy_of_a_dict_is_refused(tmp_path):
    path = tmp_path / "params.npy"
    np.save(path, {"E": np.zeros((5, 4)), "Wxh": np.zeros((4, 3))}, allow_pickle=True)
    with pytest.raises(InputError, match="model file contains pickled objects"):
        model.load_params(path)


def test_plain_pickle_is_refused_before_it_runs(tmp_path):
    marker = tmp_path / "MARKER"
    path = tmp_path / "params.npz"
    path.write_bytes(pickle.dumps(MakesMarker(marker)))
    with pytest.raises(InputError, match="model file contains pickled objects"):
        model.load_params(path)
    assert not marker.exists()


def test_object_array_inside_npz_is_refused_before_it_runs(tmp_path):
    marker = tmp_path / "MARKER"
    path = tmp_path / "params.npz"
    params = good_params()
    params["Wy"] = np.array([MakesMarker(marker)], dtype=object)
    np.savez(path, **params, meta_json=meta_json())
    with pytest.raises(InputError, match="model file contains pickled objects"):
        model.load_params(path)
    assert not marker.exists()


@pytest.mark.parametrize("key", list(SPEC.shapes()))
def test_missing_parameter_is_named(tmp_path, key):
    params = good_params()
    del params[key]
    path = tmp_path / "params.npz"
    np.savez(path, **params, meta_json=meta_json())
    with pytest.raises(InputError, match=re.escape(f"missing parameter '{key}'")):
        model.load_params(path)


@pytest.mark.parametrize("key", list(SPEC.shapes()))
def test_wrong_shape_is_named(tmp_path, key):
    params = good_params()
    expected = SPEC.shapes()[key]
    bad = tuple(n + 1 for n in expected)
    params[key] = np.zeros(bad, np.float32)
    path = tmp_path / "params.npz"
    np.savez(path, **params, meta_json=meta_json())
    message = f"parameter '{key}' has shape {bad} expected {expected}"
    with pytest.raises(InputError, match=re.escape(message)):
        model.load_params(path)


def test_file_without_metadata_is_refused(tmp_path):
    path = tmp_path / "params.npz"
    np.savez(path, **good_params())
    with pytest.raises(InputError, match=r"params\.npz: missing parameter 'meta_json'"):
        model.load_params(path)


@pytest.mark.parametrize(
    "meta",
    [
        "{not json",
        "{}",
        json.dumps({"spec": {"vocab_size": 5}}),
        json.dumps(
            {
                "spec": {
                    "vocab_size": 5,
                    "embedding_dim": 4,
                    "hidden_size": 3,
                    "cell": "transformer",
                    "head": "mean",
                }
            }
        ),
        json.dumps([1, 2]),
        json.dumps({"spec": {**SPEC_FIELDS, "bidirectional": "false"}}),
        json.dumps({"spec": {**SPEC_FIELDS, "hidden_size": "3"}}),
        json.dumps({"spec": {**SPEC_FIELDS, "layers": 0}}),
        json.dumps({"spec": {**SPEC_FIELDS, "layers": 1.5}}),
    ],
    ids=[
        "not-json",
        "no-spec",
        "partial-spec",
        "unknown-cell",
        "not-a-mapping",
        "bidirectional-as-text",
        "hidden-size-as-text",
        "no-layers",
        "fractional-layers",
    ],
)
def test_broken_metadata_is_an_input_error(tmp_path, meta):
    """A swapped or hand-made file must fail as bad input, naming the file."""
    path = tmp_path / "params.npz"
    np.savez(path, **good_params(), meta_json=np.array(meta))
    with pytest.raises(InputError, match=r"params\.npz"):
        model.load_params(path)


def test_a_value_of_the_wrong_type_in_the_description_is_named(tmp_path):
    path = tmp_path / "params.npz"
    meta = {"spec": {**SPEC_FIELDS, "bidirectional": "false"}}
    np.savez(path, **good_params(), meta_json=np.array(json.dumps(meta)))
    with pytest.raises(
        InputError, match="bidirectional must be true or false, got 'false'"
    ):
        model.load_params(path)


@pytest.mark.parametrize(
    "value, dtype, message",
    [
        (np.nan, "float32", r"'Wy' has 1 non-finite values \(NaN or infinity\)"),
        (np.inf, "float32", r"'Wy' has 1 non-finite values"),
        ("x", "<U1", r"'Wy' holds <U1 values, expected floating-point numbers"),
        (1j, "complex128", r"'Wy' holds complex128 values, expected floating-point"),
    ],
    ids=["nan", "infinity", "text", "complex"],
)
def test_parameter_values_that_are_not_finite_numbers_are_named(
    tmp_path, value, dtype, message
):
    """A model that cannot compute must not score: NaN weights would make every
    paragraph NaN, which reads as a speech with nothing to score."""
    params = good_params()
    wy = params["Wy"].astype(dtype)
    wy[0] = value
    path = tmp_path / "params.npz"
    np.savez(path, **dict(params, Wy=wy), meta_json=meta_json())
    with pytest.raises(InputError, match=rf"params\.npz: parameter {message}"):
        model.load_params(path)


# --- SMK-INCOMPLETE-OUTPUT (b) ------------------------------------------------


@pytest.fixture
def saved_bytes(tmp_path):
    path = tmp_path / "whole.npz"
    model.save_params(path, good_params(), SPEC)
    return path.read_bytes()


@pytest.mark.parametrize(
    "cut",
    [100, 0, 1, 0.5, -1],
    ids=["100-bytes", "empty", "1-byte", "half", "all-but-one"],
)
def test_truncated_model_file(tmp_path, saved_bytes, cut):
    size = int(len(saved_bytes) * cut) if isinstance(cut, float) else cut
    path = tmp_path / "params.npz"
    path.write_bytes(saved_bytes[:size])
    with pytest.raises(
        InputError, match=r"model file \S*/params\.npz is truncated or corrupt"
    ):
        model.load_params(path)


def run_scoring_stage(tmp_path, model_path, words):
    """The score_speeches script on one speech, with a vocabulary of `words`;
    returns its output paths."""
    vocab_path = tmp_path / "vocab.tsv"
    table = pd.DataFrame({"index": range(len(words)), "word": words, "count": 1})
    table.to_csv(vocab_path, sep="\t", index=False, encoding="utf-8")
    vocab.read_vocabulary(vocab_path)
    speeches_path = tmp_path / "speeches.parquet"
    pd.DataFrame(
        {
            "speech_id": [1],
            "row": [2],
            "speaker": ["A"],
            "source": ["S"],
            "text": ["good film"],
            "mojibake": [0],
        }
    ).to_parquet(speeches_path)
    out = {
        "speeches": tmp_path / "speech_scores.csv",
        "paragraphs": tmp_path / "paragraph_scores.csv",
    }
    smk = S.fake_smk(
        "score_speeches",
        tmp_path / "score.log",
        input={"speeches": speeches_path, "params": model_path, "vocab": vocab_path},
        output=out,
        params={
            "para_len": 100,
            "stopwords": "none",
            "extra_stopwords": [],
            "max_len": 256,
            "truncate": "first",
            "device": "cpu",
        },
    )
    with S.isolated_logging():
        S.load_script("score_speeches").main(smk)
    return out


def test_scoring_stage_reports_a_truncated_model(tmp_path):
    params, spec, index = S.tiny_model()
    whole = tmp_path / "whole.npz"
    model.save_params(whole, params, spec)
    model_path = tmp_path / "results" / "model" / "params.npz"
    model_path.parent.mkdir(parents=True)
    model_path.write_bytes(whole.read_bytes()[:100])
    with pytest.raises(
        InputError, match=r"model file \S*/params\.npz is truncated or corrupt"
    ):
        run_scoring_stage(tmp_path, model_path, list(index))
    assert not (tmp_path / "speech_scores.csv").exists()


def test_scoring_stage_refuses_a_model_of_another_vocabulary(tmp_path):
    params, spec, index = S.tiny_model()
    model_path = tmp_path / "params.npz"
    model.save_params(model_path, params, spec)
    with pytest.raises(
        InputError,
        match=rf"vocab\.tsv has {len(index) + 1} entries but the model in "
        rf"\S*params\.npz expects {len(index)}",
    ):
        run_scoring_stage(tmp_path, model_path, [*index, "extra"])
    assert not (tmp_path / "speech_scores.csv").exists()
