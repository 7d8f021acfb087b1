"""The workflow through `--profile profiles/slurm` on a real one-node SLURM.

tools/local_slurm.py starts the cluster (slurmctld, slurmd, munged) in a
folder of its own; the tiny workflow then runs once on this machine and once
through the profile, and the test checks with SLURM itself (squeue) that every
rule ran as a SLURM job of its own, and that both runs made the same files;
then that device cuda makes training ask SLURM for a GPU.

Skipped, with the reason, without root, the Debian packages or the executor
plugin; with REQUIRE_CLUSTER=1 (as in .ci/run) those are failures instead.
"""

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import support as S
from conftest import planned_jobs

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

TOOL = S.REPO / "tools" / "local_slurm.py"
_spec = importlib.util.spec_from_file_location("local_slurm", TOOL)
local_slurm = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(local_slurm)

PROFILE = S.REPO / "profiles" / "slurm"
RUN_TIMEOUT = 480  # seconds; then SIGINT, which makes snakemake cancel its jobs

# outputs that hold host-specific text, not compared
NOT_COMPARED = ("results/logs/", "results/benchmarks/")


def without_timings(path):
    """A CSV or JSON output with its timings (columns and keys that name
    seconds, such as train_seconds and tokens_per_second) taken out; any other
    file as its bytes."""
    timed = lambda key: "second" in str(key)  # noqa: E731
    if path.suffix == ".csv":
        frame = pd.read_csv(path)
        return frame.drop(columns=[c for c in frame.columns if timed(c)]).to_csv()
    if path.suffix == ".json":

        def strip(value):
            if isinstance(value, dict):
                return {k: strip(v) for k, v in value.items() if not timed(k)}
            return value

        return json.dumps(strip(json.loads(path.read_text(encoding="utf-8"))))
    return path.read_bytes()


def missing():
    """Why the cluster test cannot run here, or None."""
    tools = ["slurmctld", "slurmd", "sbatch", "squeue", "munged"]
    absent = [tool for tool in tools if not shutil.which(tool)]
    if absent:
        return (
            f"SLURM not installed ({', '.join(absent)} missing): apt-get install "
            "--no-install-recommends slurmctld slurmd slurm-client munge"
        )
    if os.geteuid() != 0:
        return "a one-node SLURM needs root (slurmd, munged as user munge)"
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return (
            "snakemake-executor-plugin-slurm not installed: pip install -e '.[slurm]'"
        )
    return None


@pytest.fixture(scope="module")
def slurm_env():
    """A one-node SLURM for this module; yields the environment that reaches it."""
    reason = missing()
    if reason:
        if os.environ.get("REQUIRE_CLUSTER") == "1":
            pytest.fail(f"REQUIRE_CLUSTER=1 but {reason}")
        pytest.skip(reason)
    # munged (user munge) must reach the folder: not under pytest's 0700 tmp
    folder = Path(tempfile.mkdtemp(prefix="sentiment-slurm-", dir="/tmp"))
    folder.chmod(0o755)
    cluster = folder / "cluster"
    started = subprocess.run(
        [sys.executable, str(TOOL), "start", "--dir", str(cluster)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr
    env = dict(os.environ)
    for name, value in re.findall(r'^export (\w+)="(.*)"$', started.stdout, re.M):
        env[name] = value.replace("$PATH", os.environ["PATH"])
    assert env["SLURM_CONF"] == str(cluster / "slurm.conf")
    daemons = local_slurm.read_pids(cluster)
    assert [d["name"] for d in daemons] == ["munged", "slurmctld", "slurmd"]
    try:
        yield env
    finally:
        subprocess.run(
            [sys.executable, str(TOOL), "stop", "--dir", str(cluster)], timeout=120
        )
        left = [d["name"] for d in daemons if local_slurm.is_running(d)]
        shutil.rmtree(folder, ignore_errors=True)
    assert not left, f"still running after stop: {left}"


def run_through_profile(folder, env, *args, check=True):
    """snakemake --profile profiles/slurm in folder.

    It runs in a session of its own, and after RUN_TIMEOUT, or when the test
    itself is interrupted, it gets one SIGINT and time to cancel its SLURM
    jobs while the cluster still runs (SIGTERM would not stop it).
    """
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(S.SNAKEFILE),
        "--directory",
        str(folder),
        "--profile",
        str(PROFILE),
        *args,
    ]
    process = subprocess.Popen(
        command,
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=default_sigint,
    )
    try:
        output, _ = process.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        output = interrupt(process)
        pytest.fail(f"no result after {RUN_TIMEOUT} s (interrupted)\n{output[-4000:]}")
    except BaseException:
        interrupt(process)
        raise
    if check:
        assert process.returncode == 0, output[-6000:]
    return process.returncode, output


def default_sigint():
    """A shell that starts pytest in the background without job control makes
    it ignore SIGINT, and children inherit that; snakemake must not."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(process):
    """SIGINT, as Ctrl-C: snakemake cancels its jobs (scancel) and exits."""
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def slurm_jobs(env, run_id):
    """The run's jobs as SLURM itself lists them: id, comment (rule_<name>...),
    state, CPUs, memory (MB) and time limit (minutes)."""
    listing = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--name", run_id]
        + ["-o", "%i|%k|%T|%C|%m|%l"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    jobs = []
    for line in listing.split():
        job_id, comment, state, cpus, memory, limit = line.split("|")
        rule = re.match(r"rule_([a-z_]+?)(_wildcards_.*)?$", comment).group(1)
        assert memory.endswith("M"), memory
        hours_minutes = [int(x) for x in limit.split(":")[:-1]]  # [h,] m, s
        minutes = hours_minutes[-1] + 60 * sum(hours_minutes[:-1])
        jobs.append((job_id, rule, state, int(cpus), int(memory[:-1]), minutes))
    return jobs


def configured_resources(config):
    """threads, mem_mb and runtime of each rule as the config (with the
    schema's defaults) asks for them."""
    from sentiment_rnn.config import load_schema, validate_config

    resources = validate_config(dict(config), load_schema(S.SCHEMA))["resources"]
    return lambda rule: {**resources["default"], **resources.get(rule, {})}


def compared_files(folder):
    files = set()
    for top in ("results", "data"):
        for path in (folder / top).rglob("*"):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and not name.startswith(NOT_COMPARED):
                files.add(name)
    return files


def test_every_rule_is_a_slurm_job_and_outputs_equal_a_local_run(tmp_path, slurm_env):
    mirror = S.make_mirror(tmp_path)
    config = S.tiny_config(mirror, epochs=2, para_len=5)
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    for folder in (local, cluster):
        folder.mkdir()
        S.write_config(folder, config)

    planned = planned_jobs(cluster)  # {rule: jobs}, from a dry run
    assert planned["train_model"] == 1
    result = S.run_snakemake(local, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]

    _, output = run_through_profile(cluster, slurm_env)

    # every job was submitted to SLURM, none ran in the snakemake process
    run_id = re.search(r"SLURM run ID: (\S+)", output).group(1)
    submitted = dict(
        re.findall(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)", output)
    )
    jobs = slurm_jobs(slurm_env, run_id)
    assert Counter(job[1] for job in jobs) == planned, (jobs, planned)
    assert {job[0] for job in jobs} == set(submitted)
    assert {job[2] for job in jobs} == {"COMPLETED"}, jobs

    # each with the threads, memory and time limit the config gives its rule
    wanted = configured_resources(config)
    for _, rule, _, cpus, memory, minutes in jobs:
        asked = wanted(rule)
        assert (cpus, memory, minutes) == (
            asked["threads"],
            asked["mem_mb"],
            asked["runtime"],
        ), rule
    assert wanted("train_model")["threads"] == 2  # not only the defaults

    # the same files with the same contents, apart from timings
    assert compared_files(cluster) == compared_files(local)
    for name in sorted(compared_files(local)):
        assert without_timings(cluster / name) == without_timings(local / name), name

    print(f"\ncluster test: {len(jobs)} SLURM jobs, one per rule job, all COMPLETED:")
    print("  jobid  rule                  state      cpus  mem_mb  minutes")
    for job_id, rule, state, cpus, memory, minutes in jobs:
        print(
            f"  {job_id:>5}  {rule:<20}  {state:<9}  {cpus:>4}  {memory:>6}  {minutes:>7}"
        )
    print(f"  outputs equal to the local run's: {len(compared_files(local))} files")


def test_device_cuda_asks_slurm_for_a_gpu_for_training(tmp_path, slurm_env):
    """This cluster has no GPU, so SLURM refuses the training job; the refusal
    and the sbatch call show the request that a GPU cluster would grant."""
    S.write_config(tmp_path, S.tiny_config(S.make_mirror(tmp_path)))
    result = S.run_snakemake(tmp_path, "--until", "build_embeddings")
    assert result.returncode == 0, result.stderr[-4000:]

    code, output = run_through_profile(
        tmp_path,
        slurm_env,
        "--config",
        "device=cuda",
        "--until",
        "train_model",
        "--verbose",
        check=False,
    )
    assert code != 0
    calls = re.findall(r"^sbatch call: (sbatch .*)$", output, re.M)
    assert len(calls) == 1, output[-4000:]
    # the job's comment names the rule, and its wildcards where it has some
    assert re.search(r"--comment rule_train_model(_wildcards_\S+)? ", calls[0])
    assert " --gpus=1 " in calls[0]
    assert "Invalid generic resource (gres) specification" in output
