"""The sweep: grid points and their names, the choice on validation accuracy,
the seed spread, and the grid's checks in the config."""

import math

import pandas as pd
import pytest
import support as S
import yaml

from sentiment_rnn import sweep
from sentiment_rnn.config import ConfigError, load_schema, validate_config

SCHEMA = load_schema(S.SCHEMA)


def test_an_empty_grid_is_the_one_default_model():
    assert sweep.points({}) == {"default": {}}


def test_every_combination_is_a_point_named_by_its_values():
    grid = {"cell": ["rnn", "gru"], "learning_rate": [0.002], "bidirectional": [True]}
    assert sweep.points(grid) == {
        "cell=rnn_learning_rate=0.002_bidirectional=true": {
            "cell": "rnn",
            "learning_rate": 0.002,
            "bidirectional": True,
        },
        "cell=gru_learning_rate=0.002_bidirectional=true": {
            "cell": "gru",
            "learning_rate": 0.002,
            "bidirectional": True,
        },
    }


def metrics(valid, test):
    return {
        "valid_accuracy": valid,
        "accuracy": test,
        "f1": test,
        "roc_auc": 0.9,
        "best_epoch": 1,
        "epochs_run": 2,
        "train_seconds": 3.0,
    }


def test_the_choice_is_on_validation_never_on_test():
    overrides = sweep.points({"seed": [1, 2, 3]})
    names = list(overrides)
    figures = {
        "seed=1": metrics(0.80, 0.95),  # best on test: must not be chosen
        "seed=2": metrics(0.90, 0.85),
        "seed=3": metrics(0.90, 0.86),  # ties with seed=2 on validation
    }
    summary = sweep.summary(names, overrides, figures)
    assert sweep.choose(summary) == "seed=2"
    assert summary["chosen"].tolist() == [False, True, False]
    assert summary["seed"].tolist() == [1, 2, 3]


def test_without_validation_figures_the_first_point_is_chosen():
    overrides = sweep.points({"seed": [1, 2]})
    figures = {name: metrics(math.nan, 0.9) for name in overrides}
    assert sweep.choose(sweep.summary(list(overrides), overrides, figures)) == "seed=1"


def test_seed_spread_groups_the_other_settings():
    grid = {"cell": ["rnn", "gru"], "seed": [1, 2]}
    overrides = sweep.points(grid)
    tests = {"rnn": (0.80, 0.84), "gru": (0.90, 0.90)}
    figures = {
        name: metrics(0.5, tests[o["cell"]][o["seed"] - 1])
        for name, o in overrides.items()
    }
    spread = sweep.seed_spread(sweep.summary(list(overrides), overrides, figures), grid)
    assert spread["cell"].tolist() == ["rnn", "gru"]
    assert spread["seeds"].tolist() == ["1 2", "1 2"]
    assert spread["test_accuracy_mean"].tolist() == pytest.approx([0.82, 0.90])
    assert spread["test_accuracy_std"].iloc[0] == pytest.approx(
        pd.Series([0.80, 0.84]).std()
    )
    assert spread["test_accuracy_min"].iloc[0] == 0.80
    assert sweep.seed_spread(spread, {"cell": ["rnn"]}).empty


def check(**changes):
    config = yaml.safe_load((S.REPO / "config.yaml").read_text(encoding="utf-8"))
    return validate_config({**config, **changes}, SCHEMA)


def test_a_grid_value_is_checked_like_the_setting_itself():
    with pytest.raises(ConfigError, match=r"sweep\.cell\.1: expected one of"):
        check(sweep={"cell": ["rnn", "transformer"]})
    with pytest.raises(ConfigError, match=r"sweep\.hidden_size\.0: .*>= 1"):
        check(sweep={"hidden_size": [0]})
    with pytest.raises(ConfigError, match=r"sweep.*colour"):
        check(sweep={"colour": ["red"]})
    with pytest.raises(ConfigError, match=r"sweep\.seed: \[\] should be non-empty"):
        check(sweep={"seed": []})


def test_a_value_listed_twice_is_refused():
    with pytest.raises(
        ConfigError, match=r"sweep\.learning_rate: 0\.001 is listed twice"
    ):
        check(sweep={"learning_rate": [1.0e-3, 0.001]})


def test_whole_numbers_in_a_grid_become_integers():
    config = check(sweep={"hidden_size": [64.0, 128]})
    assert config["sweep"]["hidden_size"] == [64, 128]
    assert isinstance(config["sweep"]["hidden_size"][0], int)


def test_a_grid_of_too_many_models_is_refused_before_any_work():
    grid = {
        "seed": list(range(20)),
        "hidden_size": list(range(1, 21)),
        "epochs": [1, 2, 3],
    }
    with pytest.raises(
        ConfigError, match=r"sweep: the grid makes 1,200 models; at most 1,000"
    ):
        check(sweep=grid)


def test_a_name_too_long_for_a_folder_is_refused():
    config = yaml.safe_load((S.REPO / "config.yaml").read_text(encoding="utf-8"))
    grid = {key: [config[key]] for key in sweep.SWEPT}
    with pytest.raises(ConfigError, match=r"folder name would be \d+ characters"):
        check(sweep=grid)


def test_an_unsweepable_setting_is_named_with_those_that_are():
    with pytest.raises(
        ConfigError,
        match=r"'device' was unexpected\); a sweep may vary batch_size, bidirectional",
    ):
        check(sweep={"device": ["cpu", "cuda"]})


def test_tfidf_strengths_are_bounded_and_unique():
    with pytest.raises(
        ConfigError, match=r"baselines\.tfidf_c\.0: expected a value <= 1000000"
    ):
        check(baselines={"tfidf_c": [1.0e300]})
    with pytest.raises(ConfigError, match=r"baselines\.tfidf_c: .*non-unique"):
        check(baselines={"tfidf_c": [1.0, 1.0]})
