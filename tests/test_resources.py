"""Threads, memory, time limit and GPUs of each rule, from the config."""

import re

import pytest
import support as S
import yaml

from sentiment_rnn.config import ConfigError, load_schema, validate_config

SCHEMA = load_schema(S.SCHEMA)
RULE_FILES = sorted((S.REPO / "workflow" / "rules").glob("*.smk"))


def rule_blocks():
    """{rule name: its text} of every rule in workflow/rules/."""
    blocks = {}
    for path in RULE_FILES:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"^rule (\w+):\n((?:    .*\n|\n)*)", text, re.M):
            blocks[match.group(1)] = match.group(2)
    return blocks


def test_every_rule_has_an_entry_in_the_schema():
    entries = set(SCHEMA["properties"]["resources"]["properties"]) - {"default"}
    assert entries == set(rule_blocks())


def test_every_rule_takes_its_own_settings():
    for rule, block in rule_blocks().items():
        assert f'threads: job_threads("{rule}")' in block, rule
        assert f'**job_resources("{rule}"),' in block, rule


def test_repository_config_matches_the_schema_default(copy_repo_config):
    assert (
        validate_config(copy_repo_config, SCHEMA)["resources"]
        == SCHEMA["properties"]["resources"]["default"]
    )


@pytest.mark.parametrize(
    "resources, message",
    [
        (
            {
                "default": {"threads": 1, "mem_mb": 1000, "runtime": 30},
                "train_modle": {},
            },
            r"resources: Additional properties are not allowed \('train_modle' was unexpected\)",
        ),
        (
            {
                "default": {"threads": 1, "mem_mb": 1000, "runtime": 30},
                "train_model": {"mem_mb": 0},
            },
            r"resources.train_model.mem_mb: expected a value >= 1, got 0",
        ),
        (
            {
                "default": {"threads": 1, "mem_mb": 1000, "runtime": 30},
                "train_model": {"memory": 9},
            },
            r"resources.train_model: Additional properties are not allowed \('memory' was unexpected\)",
        ),
        (
            {"default": {"mem_mb": 1000, "runtime": 30}},
            r"resources.default: 'threads' is a required property",
        ),
        (
            {"train_model": {"gpus": 2}},
            r"resources: 'default' is a required property",
        ),
        (
            {"default": {"threads": 1.5, "mem_mb": 1000, "runtime": 30}},
            r"resources.default.threads must be an integer, got number 1.5",
        ),
    ],
    ids=[
        "rule-typo",
        "zero-memory",
        "field-typo",
        "partial-default",
        "no-default",
        "float",
    ],
)
def test_bad_resources_are_named(copy_repo_config, resources, message):
    copy_repo_config["resources"] = resources
    with pytest.raises(ConfigError, match=message):
        validate_config(copy_repo_config, SCHEMA)


def job_resources(folder, *args):
    """{rule: (threads, {resource: value})} of the jobs a dry run plans."""
    result = S.run_snakemake(folder, "-n", "--forceall", *args)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", result.stdout + result.stderr):
        name = re.match(r"(?:local)?rule (\w+):", block)
        resources = re.search(r"^    resources: (.*)$", block, re.M)
        if not name or not resources or name.group(1) == "all":
            continue
        threads = re.search(r"^    threads: (\d+)$", block, re.M)
        values = dict(item.split("=", 1) for item in resources.group(1).split(", "))
        jobs[name.group(1)] = (int(threads.group(1)) if threads else 1, values)
    return jobs


@pytest.mark.slow
def test_jobs_ask_for_what_the_config_gives(workspace):
    config = yaml.safe_load((workspace / "config.yaml").read_text(encoding="utf-8"))
    config["resources"] = {
        "default": {"threads": 1, "mem_mb": 700, "runtime": 11, "gpus": 0},
        "clean_reviews": {"threads": 2},
        "train_model": {"mem_mb": 1234, "runtime": 99, "gpus": 1},
        "score_speeches": {"gpus": 1},
    }
    S.write_config(workspace, config)

    jobs = job_resources(workspace)
    assert jobs["clean_reviews"][0] == 2
    assert jobs["train_model"][0] == 1
    assert jobs["train_model"][1]["mem_mb"] == "1234"
    assert jobs["train_model"][1]["runtime"] == "99"
    assert jobs["split_reviews"][1]["mem_mb"] == "700"
    assert jobs["split_reviews"][1]["runtime"] == "11"
    # device cpu (the tiny config): no GPU asked for, whatever gpus says
    assert {values["gpu"] for _, values in jobs.values()} == {"0"}

    jobs = job_resources(workspace, "--config", "device=cuda")
    with_gpu = {rule for rule, (_, values) in jobs.items() if values["gpu"] != "0"}
    assert with_gpu == {"train_model", "score_speeches"}
    assert jobs["train_model"][1]["gpu"] == "1"
