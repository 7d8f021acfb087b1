"""Fixtures shared by the tests; the tiny inputs themselves are made in support.py.

Nothing here touches the network: the workspace's config points `mirror` at a
folder of tiny files whose digests are computed when they are written.
"""

import pytest
import support as S
import yaml


@pytest.fixture
def workspace(tmp_path):
    """A folder with tiny inputs under mirror/ and a config.yaml pointing there."""
    mirror = S.make_mirror(tmp_path)
    S.write_config(tmp_path, S.tiny_config(mirror, epochs=2, para_len=5))
    return tmp_path


@pytest.fixture
def copy_repo_config():
    """The repository's own config.yaml, loaded safely."""
    return yaml.safe_load((S.REPO / "config.yaml").read_text(encoding="utf-8"))


def planned_jobs(folder, *args):
    """Rules a dry run would run, with counts, from `snakemake -n` job stats."""
    result = S.run_snakemake(folder, "-n", *args)
    assert result.returncode == 0, result.stderr[-3000:]
    if "Nothing to be done" in result.stdout:
        return {}
    stats = result.stdout.split("Job stats:", 1)[1].split("total", 1)[0]
    jobs = {}
    for line in stats.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            jobs[parts[0]] = int(parts[1])
    jobs.pop("all", None)
    return jobs


@pytest.fixture(autouse=True)
def fresh_backend_probe():
    """The backend probes CuPy once per process; tests that fake CuPy need anew."""
    from sentiment_rnn import backend

    backend._cupy_with_device.cache_clear()
    backend._warn_fallback.cache_clear()
    yield
    backend._cupy_with_device.cache_clear()
    backend._warn_fallback.cache_clear()
