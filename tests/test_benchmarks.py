"""The benchmark scripts refuse bad arguments and unreadable inputs with a
one-line usage error (exit status 2), before any work and without a traceback."""

import subprocess
import sys

import pytest
import support as S

BENCHMARKS = S.REPO / "benchmarks"


def run(script, *args):
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--repeats", "0"],
            "--repeats: expected a whole number from 1 to 1,000, got '0'",
        ),
        (["--rows", "-1"], "--rows: expected a whole number from 1 to 512, got '-1'"),
        (["--steps", "1e8"], "--steps: expected a whole number from 2 to 2,048"),
        (
            ["--scale", "nan"],
            "--scale: expected a number above 0 and at most 10, got 'nan'",
        ),
        (["--scale", "0"], "--scale: expected a number above 0"),
    ],
)
def test_subnormal_effect_refuses_bad_arguments(args, message):
    result = run("subnormal_effect.py", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--hidden-size", "1000000"],
            "--hidden-size: expected a whole number from 1 to 4,096",
        ),
        (
            ["--batch-size", "0"],
            "--batch-size: expected a whole number from 1 to 4,096",
        ),
        (
            ["--threads", "abc"],
            "--threads: expected a whole number from 1 to 256, got 'abc'",
        ),
    ],
)
def test_engine_speed_refuses_bad_arguments(args, message):
    result = run("engine_speed.py", "--no-torch", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_engine_speed_names_unreadable_pipeline_outputs(tmp_path):
    for part in ("split/reviews.parquet", "vocab/vocab.tsv", "embeddings/matrix.npy"):
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / part).write_bytes(b"\x93NUMPY cut short")
    result = run("engine_speed.py", "--no-torch", "--results", str(tmp_path))
    assert result.returncode == 2
    assert f"cannot read the pipeline's outputs in {tmp_path}" in result.stderr
    assert "Traceback" not in result.stderr
