"""Cases that need the real `snakemake` command, on tiny inputs (slow).

YAML-UNSAFE-TAGS, SMK-INCOMPLETE-OUTPUT (a), ASCII-LOCALE-ENCODING and
CONFIG-NULL-AND-YAML-TYPES through Snakemake's own config loading. Each test
runs in its own tmp folder whose config.yaml (read by the Snakefile's
`configfile:`) points `mirror` at tiny files made in code.
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import support as S

pytestmark = pytest.mark.slow

ASCII_ENV = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}


def setup(folder, raw="", speeches_name="speeches.csv", **overrides):
    """Tiny mirror and a config.yaml; `raw` YAML lines go first, verbatim."""
    mirror = S.make_mirror(folder, speeches_name=speeches_name)
    config = S.tiny_config(mirror, speeches_name=speeches_name, **overrides)
    for line in raw.splitlines():
        key = line.split(":", 1)[0].strip()
        if key and not key.startswith("#"):
            config.pop(key, None)
    S.write_config(folder, config, raw)
    return mirror


def output_of(result):
    return result.stdout + result.stderr


# --- YAML-UNSAFE-TAGS ------------------------------------------------------------


def test_yaml_python_tag_stops_with_a_config_error_naming_it(tmp_path):
    setup(
        tmp_path, 'para_len: !!python/object/apply:os.system ["touch PWNED_MARKER"]\n'
    )
    result = S.run_snakemake(tmp_path, timeout=60)
    assert result.returncode != 0
    assert not (tmp_path / "PWNED_MARKER").exists()
    assert not (S.REPO / "PWNED_MARKER").exists()
    text = output_of(result)
    assert "para_len" in text or "python/object/apply" in text, text[-2000:]


# --- SMK-INCOMPLETE-OUTPUT (a) ---------------------------------------------------------


def test_interrupted_training_is_scheduled_again(tmp_path):
    """Ctrl-C (SIGINT to the process group) while train_model runs."""
    setup(tmp_path, epochs=100000, patience=0)
    checkpoint = tmp_path / "results" / "models" / "default" / "checkpoint.npz"
    process = subprocess.Popen(
        S.snakemake_command(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # a launcher without job control starts us with SIGINT ignored, and a
        # child inherits that: give snakemake the default Ctrl-C behaviour
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 90
        while not checkpoint.exists() and process.poll() is None:
            assert time.monotonic() < deadline, "training never started"
            time.sleep(0.2)
        assert process.poll() is None, process.communicate()[0][-3000:]
        time.sleep(0.5)  # an epoch or two more, mid-run
        os.killpg(process.pid, signal.SIGINT)
        log, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode != 0

    model_dir = tmp_path / "results" / "models" / "default"
    assert not (model_dir / "params.npz").exists()
    assert not [p.name for p in model_dir.iterdir() if p.name.startswith(".params.npz")]

    dry = S.run_snakemake(tmp_path, "-n", timeout=60)
    assert dry.returncode == 0, output_of(dry)[-3000:]
    assert "Nothing to be done" not in output_of(dry)
    stats = dry.stdout.split("Job stats:", 1)[1]
    assert "train_model" in stats and "score_speeches" in stats


# --- ASCII-LOCALE-ENCODING --------------------------------------------------------------


def ascii_env():
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LC_") and k not in ("PYTHONIOENCODING", "PYTHONUTF8")
    }
    env.update(ASCII_ENV)
    encoding = subprocess.run(
        [sys.executable, "-c", "import locale; print(locale.getpreferredencoding())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert encoding.lower() in ("ascii", "ansi_x3.4-1968"), encoding
    return env


def check_utf8_outputs(folder):
    results = folder / "results"
    speeches = pd.read_csv(results / "speech_scores.csv", encoding="utf-8")
    assert speeches["speaker"].tolist() == ["Zoë", "Speaker B", "Speaker C"]
    assert speeches["status"].tolist() == ["ok", "ok", "ok"]
    assert speeches.loc[0, "oov_tokens"] == 0  # naïve, café and visit all known
    paragraphs = (results / "paragraph_scores.csv").read_bytes().decode("utf-8")
    assert "naïve café visit" in paragraphs

    table = pd.read_csv(
        results / "vocab" / "vocab.tsv",
        sep="\t",
        keep_default_na=False,
        encoding="utf-8",
    )
    words = table["word"].tolist()
    assert "café" in words and "naïve" in words
    matrix = np.load(results / "embeddings" / "matrix.npy", allow_pickle=False)
    np.testing.assert_allclose(
        matrix[words.index("café")], [0.1, 0.2, 0.3, 0.4], rtol=1e-6
    )
    coverage = json.loads(
        (results / "embeddings" / "coverage.json").read_text(encoding="utf-8")
    )
    assert coverage["embedding_dim"] == 4


def test_ascii_locale_non_ascii_text_completes(tmp_path):
    setup(tmp_path, "# tiny config – with an en dash in a comment\n")
    result = S.run_snakemake(tmp_path, env=ascii_env(), timeout=120)
    assert result.returncode == 0, output_of(result)[-3000:]
    check_utf8_outputs(tmp_path)


def test_ascii_locale_non_ascii_file_name_completes(tmp_path):
    """The speeches come from a mirror copy named speeches_é.csv."""
    setup(
        tmp_path,
        "# tiny config – speeches from speeches_é.csv\n",
        speeches_name="speeches_é.csv",
    )
    result = S.run_snakemake(tmp_path, env=ascii_env(), timeout=120)
    assert result.returncode == 0, output_of(result)[-3000:]
    check_utf8_outputs(tmp_path)


# --- CONFIG-NULL-AND-YAML-TYPES through Snakemake ------------------------------------------


def test_empty_para_len_is_filled_and_logged(tmp_path):
    setup(tmp_path, "para_len:\n")
    result = S.run_snakemake(tmp_path, "-n", timeout=60)
    assert result.returncode == 0, output_of(result)[-3000:]
    assert "para_len is empty; using the default 100" in output_of(result)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("para_len: 0\n", "para_len: expected a value >= 1, got 0"),
        ("learning_rate: 1e-3\n", "learning_rate must be a number, got string '1e-3'"),
    ],
    ids=["para_len-0", "learning_rate-1e-3"],
)
def test_bad_config_values_stop_the_run(tmp_path, raw, message):
    setup(tmp_path, raw)
    result = S.run_snakemake(tmp_path, "-n", timeout=60)
    assert result.returncode != 0
    assert message in output_of(result)
    # the message alone: no lines of the project's code, as for a bug
    assert 'File "' not in output_of(result)
    assert "ConfigError" not in output_of(result)


def test_learning_rate_with_a_dot_is_accepted(tmp_path):
    setup(tmp_path, "learning_rate: 1.0e-3\n")
    result = S.run_snakemake(tmp_path, "-n", timeout=60)
    assert result.returncode == 0, output_of(result)[-3000:]
    assert "train_model" in result.stdout
