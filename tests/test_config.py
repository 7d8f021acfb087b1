"""The config schema: defaults, types and messages."""

import pytest
import support as S

from sentiment_rnn.config import (
    ConfigError,
    check_yaml_file,
    load_schema,
    validate_config,
)

SCHEMA = load_schema(S.REPO / "workflow/schemas/config.schema.yaml")


def test_repository_config_is_valid(copy_repo_config):
    config = validate_config(copy_repo_config, SCHEMA)
    assert config["para_len"] == 100


def test_every_key_is_described_and_defaulted():
    for key, spec in SCHEMA["properties"].items():
        assert spec.get("description"), f"{key} has no description"
        assert "default" in spec or key in (
            "reviews",
            "speeches",
            "glove_package_sha256",
        ), key


def test_config_yaml_comments_every_schema_key():
    text = (S.REPO / "config.yaml").read_text(encoding="utf-8")
    for key in SCHEMA["properties"]:
        assert f"\n{key}:" in text, f"{key} missing from config.yaml"


def test_empty_value_takes_the_default(copy_repo_config):
    copy_repo_config["para_len"] = None
    assert validate_config(copy_repo_config, SCHEMA)["para_len"] == 100


def test_a_glove_file_source_needs_its_address(copy_repo_config):
    copy_repo_config.update(glove_source="text", glove=None)
    with pytest.raises(
        ConfigError,
        match=r"glove: expected the file's url and sha256, since glove_source is "
        r"'text', got nothing",
    ):
        validate_config(copy_repo_config, SCHEMA)


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("para_len", 0, r"para_len: expected a value >= 1, got 0"),
        ("learning_rate", "1e-3", r"learning_rate must be a number, got string '1e-3'"),
        (
            "head",
            "first",
            r"head: expected one of \['mean', 'max', 'last', 'maxmean'\], got 'first'",
        ),
        ("epochs", 2.5, r"epochs must be an integer, got number 2.5"),
        (
            "hidden_sise",
            3,
            r"Additional properties are not allowed \('hidden_sise' was unexpected\)",
        ),
        ("hidden_size", 1_000_000, r"hidden_size: expected a value <= 4096"),
        (
            "batch_slices",
            65,
            r"batch_slices: expected at most batch_size \(64\), got 65",
        ),
    ],
    ids=[
        "zero",
        "yaml-1.1-exponent",
        "enum",
        "float-for-int",
        "typo",
        "huge-hidden",
        "slices-over-rows",
    ],
)
def test_bad_values_are_named(copy_repo_config, key, value, message):
    copy_repo_config[key] = value
    with pytest.raises(ConfigError, match=message):
        validate_config(copy_repo_config, SCHEMA)


def test_exponent_with_a_dot_is_a_number(copy_repo_config):
    import yaml

    copy_repo_config["learning_rate"] = yaml.safe_load("x: 1.0e-3")["x"]
    assert validate_config(copy_repo_config, SCHEMA)["learning_rate"] == 0.001


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("hidden_size", 64.0, 64),
        ("para_len", 1e2, 100),
        ("max_vocab", 300.0, 300),
    ],
)
def test_whole_floats_become_integers(copy_repo_config, key, value, expected):
    copy_repo_config[key] = value
    config = validate_config(copy_repo_config, SCHEMA)
    assert config[key] == expected and isinstance(config[key], int)


@pytest.mark.parametrize(
    "key, value",
    [("hidden_size", 64.5), ("para_len", float("nan")), ("oov_scale", float("inf"))],
)
def test_fractions_and_non_finite_numbers_are_refused(copy_repo_config, key, value):
    copy_repo_config[key] = value
    with pytest.raises(ConfigError, match=key):
        validate_config(copy_repo_config, SCHEMA)


def test_negative_seed_is_refused(copy_repo_config):
    copy_repo_config["seed"] = -1
    with pytest.raises(ConfigError, match="seed: expected a value >= 0, got -1"):
        validate_config(copy_repo_config, SCHEMA)


def test_minimal_config_is_complete(copy_repo_config):
    minimal = {k: copy_repo_config[k] for k in ("reviews", "speeches")}
    config = validate_config(minimal, SCHEMA)
    assert config["glove_package_sha256"] == copy_repo_config["glove_package_sha256"]


def test_a_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("epochs: 0\npara_len: 5\nepochs: 3\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"key 'epochs' given twice \(lines 1 and 3\)"
    ):
        check_yaml_file(path)


def test_numbers_as_text_inside_a_mapping_become_numbers(copy_repo_config):
    """`--config 'resources={train_model: {threads: 1}}'` hands the nested
    values over as text; they are read as the numbers they are."""
    copy_repo_config["resources"]["train_model"] = {"threads": "1", "mem_mb": "1.5e3"}
    config = validate_config(copy_repo_config, SCHEMA)
    assert config["resources"]["train_model"] == {"threads": 1, "mem_mb": 1500}
    copy_repo_config["resources"]["train_model"] = {"threads": "one"}
    with pytest.raises(
        ConfigError,
        match=r"resources.train_model.threads must be an integer, got string 'one'",
    ):
        validate_config(copy_repo_config, SCHEMA)


def test_numbers_as_text_under_the_default_resources_become_numbers(copy_repo_config):
    """`default` adds required fields to the shared definition (allOf in the
    schema); its values are read as numbers like any rule's."""
    copy_repo_config["resources"]["default"] = {
        "threads": "1",
        "mem_mb": "1000",
        "runtime": "30",
        "gpus": "0",
    }
    config = validate_config(copy_repo_config, SCHEMA)
    assert config["resources"]["default"] == {
        "threads": 1,
        "mem_mb": 1000,
        "runtime": 30,
        "gpus": 0,
    }
    copy_repo_config["resources"]["default"] = {
        "threads": 2.0,
        "mem_mb": 1000,
        "runtime": 30,
    }
    config = validate_config(copy_repo_config, SCHEMA)
    assert type(config["resources"]["default"]["threads"]) is int


def test_an_empty_mapping_is_described_as_empty(copy_repo_config):
    copy_repo_config["resources"]["train_model"] = None
    with pytest.raises(
        ConfigError,
        match=r"resources.train_model must be a mapping, got null \(an empty value\)",
    ):
        validate_config(copy_repo_config, SCHEMA)


@pytest.mark.parametrize("text, value", [("true", True), ("False", False)])
def test_true_and_false_as_text_become_booleans(copy_repo_config, text, value):
    """`--config bidirectional=true` hands the word over as text."""
    copy_repo_config["bidirectional"] = text
    assert validate_config(copy_repo_config, SCHEMA)["bidirectional"] is value


def test_other_words_for_a_boolean_are_refused(copy_repo_config):
    copy_repo_config["bidirectional"] = "yes"
    with pytest.raises(
        ConfigError,
        match=r"bidirectional must be a boolean \(true or false\), got string 'yes'",
    ):
        validate_config(copy_repo_config, SCHEMA)
