"""Validating the workflow configuration against its JSON schema.

Defaults from the schema fill keys that are missing or left empty (null);
every other problem becomes one message that names the key, the bad value and
what was expected.
"""

import logging
import math

import jsonschema
import yaml

from . import sweep

log = logging.getLogger(__name__)

YAML_TYPES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "array": "a list",
    "object": "a mapping",
    "null": "empty (null)",
}


def load_schema(path):
    """The schema, with the `sweep` grid's entries made from the settings
    they vary: a list of at least one value, each as the setting allows."""
    with open(path, encoding="utf-8") as handle:
        schema = yaml.safe_load(handle)
    properties = schema["properties"]
    grid = properties["sweep"].setdefault("properties", {})
    for key in sweep.SWEPT:
        item = {k: v for k, v in properties[key].items() if k not in ("default",)}
        grid[key] = {"type": "array", "minItems": 1, "items": item}
    return schema


def _fill_defaults(config, schema):
    """Put schema defaults where a key is missing or null (empty in YAML)."""
    filled = []
    for key, sub in schema.get("properties", {}).items():
        if config.get(key) is None and "default" in sub:
            if key in config and sub["default"] is not None:
                filled.append(key)
            config[key] = sub["default"]
        if isinstance(config.get(key), dict) and sub.get("type") == "object":
            _fill_defaults(config[key], sub)
    for key in filled:
        log.warning("config: %s is empty; using the default %r", key, config[key])
    return filled


def _describe(value):
    kind = {
        str: "string",
        bool: "boolean",
        int: "integer",
        float: "number",
        list: "list",
        dict: "mapping",
    }.get(type(value), type(value).__name__)
    return "null (an empty value)" if value is None else f"{kind} {value!r}"


def _message(error):
    key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    value = error.instance
    hint = ""
    if error.validator == "type":
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else expected
        wanted = " or ".join(YAML_TYPES.get(t, t) for t in expected)
        if "number" in expected and isinstance(value, str):
            hint = " (write a number such as 1.0e-3: YAML reads 1e-3 without a dot as text)"
        return f"{key} must be {wanted}, got {_describe(value)}{hint}"
    if error.validator in (
        "minimum",
        "exclusiveMinimum",
        "maximum",
        "exclusiveMaximum",
    ):
        bound = {
            "minimum": ">=",
            "exclusiveMinimum": ">",
            "maximum": "<=",
            "exclusiveMaximum": "<",
        }[error.validator]
        return f"{key}: expected a value {bound} {error.validator_value}, got {value!r}"
    if error.validator == "enum":
        return f"{key}: expected one of {error.validator_value}, got {value!r}"
    if error.validator == "additionalProperties" and key == "sweep":
        return f"{key}: {error.message}; a sweep may vary " + ", ".join(
            sorted(error.schema["properties"])
        )
    if error.validator == "additionalProperties":
        return f"{key}: {error.message} (check the spelling against config.yaml)"
    return f"{key}: {error.message}"


class ConfigError(ValueError):
    """The configuration breaks its schema; the message lists every problem."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe loading that refuses a key given twice (the last would win)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} given twice (lines {seen[key]} and "
                    f"{key_node.start_mark.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


def check_yaml_file(path):
    """Refuse a YAML file that safe loading cannot read, naming line and tag.

    Snakemake reads config files with safe loading too, so a tag such as
    `!!python/object/apply` never runs; this check only says clearly why.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            yaml.load(handle, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except FileNotFoundError:
        return
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"{path}: not valid UTF-8 ({err.reason} at byte {err.start})"
        ) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "somewhere"
        line = ""
        if mark:
            with open(path, encoding="utf-8") as handle:
                line = handle.read().splitlines()[mark.line].strip()
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(
            f"{path}: {where}: {problem} in {line!r} (config files are read with "
            "safe loading: Python tags are refused, and each key may appear once)"
        ) from None


def _types(spec):
    kinds = spec.get("type", [])
    return {kinds} if isinstance(kinds, str) else set(kinds)


BOOLEAN_WORDS = {"true": True, "false": False}


def _resolve(spec, schema):
    """A property's schema with a local `$ref` (#/definitions/...) followed,
    also inside `allOf`, whose parts are merged: the form the schema uses to
    add constraints to a shared definition."""
    ref = spec.get("$ref", "")
    if ref.startswith("#/definitions/"):
        return schema["definitions"][ref.removeprefix("#/definitions/")]
    if "allOf" in spec:
        merged = {key: value for key, value in spec.items() if key != "allOf"}
        for part in spec["allOf"]:
            for key, value in _resolve(part, schema).items():
                merged.setdefault(key, value)
        return merged
    return spec


def _number_from_text(value):
    """A number written as text, as `--config` hands over nested values."""
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


def _normalise_scalars(config, schema, root=None, prefix=""):
    """Whole floats become ints where an integer is expected (YAML and the
    command line read 64.0 and 1e2 as floats), numbers that arrive as text
    inside a mapping given on the command line become numbers, `true` and
    `false` given as text become booleans, and NaN and infinity are refused;
    nested mappings are walked too."""
    root = root or schema
    problems = []
    for key, spec in schema.get("properties", {}).items():
        spec = _resolve(spec, root)
        value = config.get(key)
        kinds = _types(spec)
        if isinstance(value, dict) and "object" in kinds:
            problems += _normalise_scalars(value, spec, root, f"{prefix}{key}.")
            continue
        if isinstance(value, list) and "items" in spec:
            for i, item in enumerate(value):
                one = {str(i): item}
                problems += _normalise_scalars(
                    one,
                    {"properties": {str(i): spec["items"]}},
                    root,
                    f"{prefix}{key}.",
                )
                value[i] = one[str(i)]
            continue
        if isinstance(value, str) and prefix and kinds & {"integer", "number"}:
            value = config[key] = _number_from_text(value)
        if isinstance(value, str) and "boolean" in kinds:
            # --config bidirectional=true hands the word over as text
            value = config[key] = BOOLEAN_WORDS.get(value.lower(), value)
        if not isinstance(value, float):
            continue
        if not math.isfinite(value):
            problems.append(f"{prefix}{key} must be a finite number, got {value!r}")
        elif "integer" in kinds and "number" not in kinds and value.is_integer():
            config[key] = int(value)
    return problems


def _check_together(config):
    """Settings that are valid alone but not with each other."""
    problems = []
    slices, rows = config.get("batch_slices"), config.get("batch_size")
    if isinstance(slices, int) and isinstance(rows, int) and slices > rows:
        problems.append(
            f"batch_slices: expected at most batch_size ({rows}), got {slices} "
            "(a slice needs at least one row of the batch)"
        )
    glove_source = config.get("glove_source")
    if glove_source not in (None, "package") and config.get("glove") is None:
        problems.append(
            f"glove: expected the file's url and sha256, since glove_source is "
            f"{glove_source!r}, got nothing"
        )
    grid = config.get("sweep") or {}
    if isinstance(grid, dict) and all(isinstance(v, list) for v in grid.values()):
        problems += sweep.problems(grid)
    return problems


def validate_config(config, schema):
    """Fill defaults into `config` (in place) and check it; returns it."""
    _fill_defaults(config, schema)
    problems = _normalise_scalars(config, schema)
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    problems = [_message(e) for e in errors] or _check_together(config)
    if problems:
        lines = "\n  ".join(problems)
        raise ConfigError(f"invalid configuration:\n  {lines}")
    return config
