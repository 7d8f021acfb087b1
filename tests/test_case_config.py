"""Cases on the configuration (`sentiment_rnn.config`, the schema, YAML loading).

CONFIG-NULL-AND-YAML-TYPES: an empty key takes its documented default (and
says so); zero, wrong types and YAML's `1e-3`-as-text are refused with a
message naming the key. YAML-UNSAFE-TAGS: every YAML load in the product is a
safe load, so a python tag cannot run code.
"""

import ast
import copy
import logging
import re

import pytest
import support as S
import yaml

from sentiment_rnn.config import ConfigError, load_schema, validate_config

SHA = "0" * 64
BASE = {
    "reviews": {"url": "https://example.invalid/aclImdb_v1.tar.gz", "sha256": SHA},
    "speeches": {"url": "https://example.invalid/speeches.csv", "sha256": SHA},
}


@pytest.fixture(scope="module")
def schema():
    return load_schema(S.SCHEMA)


def config_from(yaml_text, drop=()):
    """The base config with keys read from YAML text, as PyYAML reads them."""
    config = copy.deepcopy(BASE)
    config.update(yaml.safe_load(yaml_text) or {})
    for key in drop:
        config.pop(key)
    return config


def test_empty_para_len_takes_default_100_and_says_so(schema, caplog):
    caplog.set_level(logging.INFO)
    config = validate_config(config_from("para_len:\n"), schema)
    assert config["para_len"] == 100
    assert "config: para_len is empty; using the default 100" in [
        r.getMessage() for r in caplog.records
    ]


@pytest.mark.parametrize(
    ("key", "default"),
    [
        ("hidden_size", 64),
        ("epochs", 12),
        ("learning_rate", 0.002),
        ("max_len", 1000),
        ("stopwords", "none"),
        ("device", "auto"),
        ("repair_encoding", True),
    ],
)
def test_other_empty_keys_take_their_defaults(schema, key, default):
    config = validate_config(config_from(f"{key}:\n"), schema)
    assert config[key] == default


def test_missing_keys_take_their_defaults(schema):
    config = validate_config(config_from(""), schema)
    assert config["para_len"] == 100
    assert config["learning_rate"] == 0.002


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("para_len: 0", "para_len: expected a value >= 1, got 0"),
        ("para_len: -5", "para_len: expected a value >= 1, got -5"),
        ("para_len: 1.5", "para_len must be an integer, got number 1.5"),
        ("para_len: '100'", "para_len must be an integer, got string '100'"),
        ("para_len: true", "para_len must be an integer, got boolean True"),
        ("learning_rate: 0", "learning_rate: expected a value > 0, got 0"),
        ("learning_rate: 1e-3", "learning_rate must be a number, got string '1e-3'"),
        ("clip_norm: 5e0", "clip_norm must be a number, got string '5e0'"),
        ("oov_scale: 1e-1", "oov_scale must be a number, got string '1e-1'"),
    ],
    ids=[
        "para_len-0",
        "para_len-negative",
        "para_len-float",
        "para_len-string",
        "para_len-bool",
        "learning_rate-0",
        "learning_rate-1e-3",
        "clip_norm-5e0",
        "oov_scale-1e-1",
    ],
)
def test_bad_values_are_refused_naming_the_key(schema, text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        validate_config(config_from(text), schema)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("learning_rate: 1.0e-3", 0.001),
        ("learning_rate: 2.0E-3", 0.002),
        ("learning_rate: 0.001", 0.001),
    ],
)
def test_numbers_with_a_dot_are_accepted(schema, text, value):
    assert validate_config(config_from(text), schema)["learning_rate"] == value


def test_misspelt_key_is_refused(schema):
    with pytest.raises(ConfigError, match=re.escape("'para_lenn' was unexpected")):
        validate_config(config_from("para_lenn: 5"), schema)


@pytest.mark.parametrize("key", ["reviews", "speeches"])
def test_missing_input_source_is_refused(schema, key):
    """Without it the workflow would fail later with a bare KeyError."""
    with pytest.raises(ConfigError, match=key):
        validate_config(config_from("", drop=[key]), schema)


@pytest.mark.parametrize("key", ["reviews", "speeches"])
def test_empty_input_source_is_refused(schema, key):
    with pytest.raises(ConfigError, match=f"{key} must be a mapping, got null"):
        validate_config(config_from(f"{key}:\n"), schema)


# --- YAML-UNSAFE-TAGS ----------------------------------------------------------

UNSAFE = 'para_len: !!python/object/apply:os.mknod ["{marker}"]\n'


def test_load_schema_refuses_python_tags(tmp_path):
    marker = tmp_path / "PWNED_MARKER"
    path = tmp_path / "schema.yaml"
    path.write_text(UNSAFE.format(marker=marker), encoding="utf-8")
    with pytest.raises(yaml.YAMLError, match="python/object/apply"):
        load_schema(path)
    assert not marker.exists()


def product_sources():
    files = [S.SNAKEFILE, *sorted((S.REPO / "sentiment_rnn").glob("*.py"))]
    files += sorted((S.REPO / "workflow").rglob("*.py"))
    files += sorted((S.REPO / "workflow").rglob("*.smk"))
    return files


def test_every_yaml_load_is_safe():
    unsafe = re.compile(
        r"yaml\.(unsafe_load|load_all|full_load|load)\s*\(|"
        r"(Unsafe|Full)?Loader\b(?<!SafeLoader)|yaml\.Loader\b"
    )
    found = []
    for path in product_sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if unsafe.search(line) and "SafeLoader" not in line:
                found.append(f"{path.relative_to(S.REPO)}:{number}: {line.strip()}")
    assert found == []


def text_mode_opens_without_encoding(source):
    """Calls of open()/read_text()/write_text() in text mode with no encoding=."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in ("open", "read_text", "write_text"):
            continue
        if isinstance(func, ast.Attribute) and name == "open":
            continue  # tarfile.open, archive.open, ...: binary
        keywords = {k.arg for k in node.keywords}
        mode = (
            node.args[1]
            if len(node.args) > 1
            else next((k.value for k in node.keywords if k.arg == "mode"), None)
        )
        if isinstance(mode, ast.Constant) and "b" in str(mode.value):
            continue
        if "encoding" not in keywords:
            bad.append(node.lineno)
    return bad


def test_every_text_file_is_opened_as_utf8():
    """ASCII-LOCALE-ENCODING: no text I/O follows the locale's encoding."""
    found = {}
    for path in product_sources():
        if path.suffix == ".py":
            lines = text_mode_opens_without_encoding(path.read_text(encoding="utf-8"))
            if lines:
                found[str(path.relative_to(S.REPO))] = lines
    assert found == {}
