"""tools/local_slurm.py without a cluster: what it refuses, and what it stops.

The cluster itself is started and stopped by test_cluster.py.
"""

import importlib.util
import json
import subprocess
import sys

import pytest
import support as S

TOOL = S.REPO / "tools" / "local_slurm.py"
_spec = importlib.util.spec_from_file_location("local_slurm", TOOL)
local_slurm = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(local_slurm)


def run_tool(action, folder):
    """The script as a user runs it; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, str(TOOL), action, "--dir", str(folder)],
        capture_output=True,
        text=True,
    )


@pytest.fixture
def prerequisites_met(monkeypatch):
    """As if root with the packages installed: the folder checks come next."""
    monkeypatch.setattr(local_slurm, "check_prerequisites", lambda: None)


def test_missing_packages_are_named_with_the_install_command(monkeypatch):
    monkeypatch.setattr(local_slurm.shutil, "which", lambda tool: None)
    with pytest.raises(
        local_slurm.ClusterError,
        match=r"missing Debian packages: munge slurm-client slurmctld slurmd\n"
        r"  install them with: apt-get install --no-install-recommends munge",
    ):
        local_slurm.check_prerequisites()


def test_a_folder_not_made_by_the_script_is_refused_and_kept(
    tmp_path, prerequisites_met
):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(local_slurm.ClusterError, match="was not made by this script"):
        local_slurm.start(folder)
    assert (folder / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_a_folder_munge_cannot_reach_is_refused(tmp_path, prerequisites_met):
    tmp_path.chmod(0o700)
    with pytest.raises(
        local_slurm.ClusterError,
        match=r"munged runs as user munge and cannot reach .*mode 700",
    ):
        local_slurm.start(tmp_path / "cluster")
    assert not (tmp_path / "cluster").exists()


def test_stop_ends_only_the_recorded_commands(tmp_path):
    """A PID whose command differs from the recorded one (a reused PID, or a
    daemon someone else started) is left running."""
    ours = subprocess.Popen(["sleep", "60"])
    other = subprocess.Popen(["sleep", "61"])
    (tmp_path / local_slurm.MARKER).write_text("")
    try:
        (tmp_path / local_slurm.PIDS).write_text(
            json.dumps(
                [
                    {"name": "ours", "pid": ours.pid, "argv": ["sleep", "60"]},
                    {"name": "reused", "pid": other.pid, "argv": ["slurmd", "-D"]},
                ]
            )
        )
        local_slurm.stop(tmp_path)
        assert ours.wait(timeout=20) == -15  # SIGTERM
        assert other.poll() is None
        assert not (tmp_path / local_slurm.PIDS).exists()
    finally:
        ours.kill()
        other.kill()
        other.wait()


def test_stop_without_a_cluster_says_so():
    result = run_tool("stop", "/nonexistent/cluster")
    assert result.returncode == 0
    assert "nothing to stop: no daemons recorded in /nonexistent/cluster" in (
        result.stderr
    )


@pytest.mark.parametrize("name", ['a"b', "a$b", "a`b", "a\\b", "a b"], ids=repr)
def test_a_folder_name_that_breaks_shell_lines_is_refused(
    tmp_path, prerequisites_met, name
):
    with pytest.raises(local_slurm.ClusterError, match="choose a folder without"):
        local_slurm.start(tmp_path / name)
    assert not (tmp_path / name).exists()


def test_a_file_in_place_of_the_folder_is_refused_and_kept(tmp_path, prerequisites_met):
    path = tmp_path / "cluster"
    path.write_text("mine")
    with pytest.raises(local_slurm.ClusterError, match="is a file, not a folder"):
        local_slurm.start(path)
    assert path.read_text() == "mine"


@pytest.mark.parametrize("content", ["{not json", '[{"pid": 1}]', "7"])
def test_a_damaged_list_of_daemons_is_named(tmp_path, content):
    (tmp_path / local_slurm.MARKER).write_text("")
    (tmp_path / local_slurm.PIDS).write_text(content)
    result = run_tool("stop", tmp_path)
    assert result.returncode == 1
    assert f"{tmp_path / local_slurm.PIDS} is not the list of daemons" in result.stderr
    assert "Traceback" not in result.stderr


def test_stop_leaves_a_folder_it_did_not_make_alone(tmp_path):
    """A list of daemons in someone else's folder is neither acted on nor
    deleted."""
    sleeper = subprocess.Popen(["sleep", "60"])
    listed = [{"name": "x", "pid": sleeper.pid, "argv": ["sleep", "60"]}]
    (tmp_path / local_slurm.PIDS).write_text(json.dumps(listed))
    try:
        result = run_tool("stop", tmp_path)
        assert result.returncode == 1
        assert f"{tmp_path} was not made by this script" in result.stderr
        assert sleeper.poll() is None
        assert json.loads((tmp_path / local_slurm.PIDS).read_text()) == listed
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.parametrize("action", ["stop", "status"])
def test_a_folder_in_place_of_the_list_is_named(tmp_path, action):
    (tmp_path / local_slurm.MARKER).write_text("")
    (tmp_path / local_slurm.PIDS).mkdir()
    result = run_tool(action, tmp_path)
    assert result.returncode == 1
    assert f"{tmp_path / local_slurm.PIDS} is not a file" in result.stderr
    assert "Traceback" not in result.stderr
