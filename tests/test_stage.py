"""A stage that fails says why in its own log, the file Snakemake points to."""

import subprocess
import sys
import textwrap

import pytest


def run_stage(tmp_path, raise_line):
    """Run a stage-like script that starts logging and then raises."""
    log = tmp_path / "stage.log"
    script = textwrap.dedent(
        f"""
        from sentiment_rnn.errors import InputError
        from sentiment_rnn.stage import start_logging
        start_logging({str(log)!r}, "some_rule")
        {raise_line}
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True
    )
    return result, log.read_text()


def test_bad_input_is_logged_as_its_message_without_a_traceback(tmp_path):
    result, log = run_stage(
        tmp_path, "raise InputError('speeches.csv: row 3: 4 fields, expected 3')"
    )
    assert result.returncode == 1
    assert "ERROR sentiment_rnn.stage: speeches.csv: row 3: 4 fields, expected 3" in log
    assert "Traceback" not in log + result.stderr
    assert "row 3: 4 fields" in result.stderr


@pytest.mark.parametrize("error", ["RuntimeError('worker died')", "KeyError('Wy')"])
def test_other_failures_are_logged_with_their_traceback(tmp_path, error):
    result, log = run_stage(tmp_path, f"raise {error}")
    assert result.returncode == 1
    assert "stage failed" in log
    assert "Traceback" in log
    assert error.split("(")[0] in log


def test_ctrl_c_is_one_line(tmp_path):
    result, log = run_stage(tmp_path, "raise KeyboardInterrupt")
    assert result.returncode == 130
    assert "interrupted (Ctrl-C)" in log
    assert "Traceback" not in log + result.stderr
