#!/usr/bin/env python3
"""Start and stop a one-node SLURM cluster on this machine (Debian, as root).

For trying the workflow's cluster path (`--profile profiles/slurm`) on one
machine, and for the tests that prove it. Everything lives in a folder of its
own (default /tmp/sentiment-rnn-slurm): slurm.conf, state, logs, a private
munge socket and the PIDs of the daemons started. Nothing is written under
/etc and a SLURM or munge already running here is left alone: client commands
reach this cluster only through SLURM_CONF, which `start` prints with a PATH
that puts the folder's srun first (see srun_wrapper):

    eval "$(sudo python3 tools/local_slurm.py start)"   # SLURM_CONF and PATH
    sbatch --wrap hostname; squeue --states=all
    sudo python3 tools/local_slurm.py stop

`stop` cancels the cluster's jobs and stops only the daemons that `start`
recorded, checking that each PID still runs the command it started.

Needs the Debian packages slurmctld, slurmd, slurm-client and munge:
    apt-get install --no-install-recommends slurmctld slurmd slurm-client munge

NOTE: no accounting (slurmdbd) runs, so `sacct` has nothing to say; the slurm
profile asks `squeue` for job states, which this cluster keeps for an hour
(MinJobAge). No cgroups: jobs are tracked by process (proctrack/linuxproc) and
their memory is not enforced. No GPUs are configured.
"""

import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_DIR = Path(os.environ.get("TMPDIR", "/tmp")) / "sentiment-rnn-slurm"
MARKER = "local_slurm.marker"
PIDS = "pids.json"
NODE = "localhost"
PARTITION = "main"
MUNGE_KEY = Path("/etc/munge/munge.key")

PACKAGES = {
    "slurmctld": "slurmctld",
    "slurmd": "slurmd",
    "sbatch": "slurm-client",
    "srun": "slurm-client",
    "squeue": "slurm-client",
    "scontrol": "slurm-client",
    "sinfo": "slurm-client",
    "scancel": "slurm-client",
    "munged": "munge",
}

CONF = """\
# One-node SLURM written by tools/local_slurm.py; not for production use.
ClusterName=sentiment-local
SlurmctldHost={node}
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
SlurmUser=root
SlurmdUser=root
StateSaveLocation={dir}/state
SlurmdSpoolDir={dir}/spool
SlurmctldPidFile={dir}/run/slurmctld.pid
SlurmdPidFile={dir}/run/slurmd.pid
SlurmctldLogFile={dir}/log/slurmctld.log
SlurmdLogFile={dir}/log/slurmd.log
# no cgroups here: processes are tracked by their parents, tasks not bound
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# finished jobs stay visible to squeue for an hour (no accounting database)
MinJobAge=3600
ReturnToService=2
{node_line}
PartitionName={partition} Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


class ClusterError(RuntimeError):
    """Something this script cannot do; the message says what and why."""


def say(message):
    """Messages go to stderr: stdout carries only the export line of `start`."""
    print(f"local_slurm: {message}", file=sys.stderr, flush=True)


def check_prerequisites():
    missing = sorted({pkg for tool, pkg in PACKAGES.items() if not shutil.which(tool)})
    if missing:
        raise ClusterError(
            "missing Debian packages: "
            + " ".join(missing)
            + "\n  install them with: apt-get install --no-install-recommends "
            + " ".join(missing)
        )
    if os.geteuid() != 0:
        raise ClusterError(
            "must run as root: slurmd starts jobs as their users and munged "
            "runs as the munge user (try sudo)"
        )
    try:
        pwd.getpwnam("munge")
    except KeyError:
        raise ClusterError("no user 'munge': reinstall the munge package") from None
    if not MUNGE_KEY.is_file():
        raise ClusterError(
            f"no munge key at {MUNGE_KEY}: create one with `mungekey --create` "
            "(as the munge user) or reinstall the munge package"
        )


def check_reachable_by_munge(folder):
    """munged runs as the munge user and makes its socket inside folder, so
    every folder above it must let others through (a mode such as 0700 on
    /tmp/pytest-of-root would not)."""
    for parent in [folder, *folder.parents]:
        if parent.exists() and not parent.stat().st_mode & 0o001:
            raise ClusterError(
                f"munged runs as user munge and cannot reach {folder}: {parent} "
                "does not let other users through (mode "
                f"{parent.stat().st_mode & 0o777:o}); choose a --dir under /tmp"
            )


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def node_line():
    """This machine as slurmd sees it (CPUs, sockets, memory), named localhost."""
    out = subprocess.run(
        ["slurmd", "-C"], capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("NodeName="))
    fields = line.split()
    fields[0] = f"NodeName={NODE} NodeAddr=127.0.0.1"
    return " ".join(fields) + " State=UNKNOWN"


def srun_wrapper(folder, conf):
    """bin/srun that sets SLURM_CONF and runs the real srun.

    The slurm-jobstep executor, which runs each rule inside its SLURM job,
    drops every SLURM_* variable (SLURM_CONF too) before it calls srun there;
    without the wrapper that srun finds no configuration.
    """
    wrapper = folder / "bin" / "srun"
    wrapper.parent.mkdir(exist_ok=True)
    wrapper.write_text(
        "#!/bin/sh\n"
        "# written by tools/local_slurm.py: srun of the one-node cluster\n"
        f'SLURM_CONF="{conf}" exec "{shutil.which("srun")}" "$@"\n'
    )
    wrapper.chmod(0o755)


def exports(folder):
    """The shell lines that point client commands at the cluster in folder."""
    return (
        f'export SLURM_CONF="{folder / "slurm.conf"}"\n'
        f'export PATH="{folder / "bin"}:$PATH"'
    )


def read_pids(folder):
    """The daemons `start` recorded in `folder`: only in a folder it made, whose
    list it wrote; anything else is refused and left as it is."""
    path = folder / PIDS
    if not path.exists():
        return []
    if not (folder / MARKER).exists():
        raise ClusterError(
            f"{folder} was not made by this script (it has no {MARKER}); "
            "nothing in it was stopped or removed"
        )
    if not path.is_file():
        raise ClusterError(f"{path} is not a file; nothing was stopped")
    try:
        entries = json.loads(path.read_text())
        if all(
            isinstance(e, dict) and {"name", "pid", "argv"} <= e.keys() for e in entries
        ):
            return entries
    except (ValueError, TypeError):
        pass
    raise ClusterError(
        f"{path} is not the list of daemons this script writes; nothing was "
        "stopped (find the daemons with: ps -C munged,slurmctld,slurmd -o pid,args)"
    )


def is_running(entry):
    """True when the PID still runs the very command recorded for it."""
    proc = Path("/proc") / str(entry["pid"])
    try:
        cmdline = (proc / "cmdline").read_bytes().split(b"\0")[:-1]
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and [c.decode() for c in cmdline] == entry["argv"]


def launch(folder, name, argv, env, **kwargs):
    """Start one daemon in the foreground of its own session; record its PID."""
    log = open(folder / "log" / f"{name}.out", "ab")
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
        **kwargs,
    )
    log.close()
    entries = read_pids(folder) + [{"name": name, "pid": process.pid, "argv": argv}]
    (folder / PIDS).write_text(json.dumps(entries, indent=1))
    return process


def wait_for(what, test, process, folder, name, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ClusterError(
                f"{name} exited with status {process.returncode} while waiting "
                f"for {what}\n{log_tail(folder, name)}"
            )
        if test():
            return
        time.sleep(0.2)
    raise ClusterError(f"no {what} after {timeout} s\n{log_tail(folder, name)}")


def log_tail(folder, name, lines=15):
    text = []
    for path in (folder / "log" / f"{name}.out", folder / "log" / f"{name}.log"):
        if path.exists():
            text += path.read_text(errors="replace").splitlines()[-lines:]
    return "\n".join(f"  | {line}" for line in text) or "  (no log)"


def quiet(argv, env):
    return subprocess.run(argv, env=env, capture_output=True, text=True)


def start(folder):
    check_prerequisites()
    folder = folder.resolve()
    conf = folder / "slurm.conf"
    if set(str(folder)) & set('"$`\\\n \t'):
        raise ClusterError(
            f"{str(folder)!r}: choose a folder without spaces, quotes, $, "
            "backquotes, backslashes or line breaks (its path goes into shell "
            "lines and into slurm.conf, which splits values at spaces)"
        )
    if folder.exists() and not folder.is_dir():
        raise ClusterError(
            f"{folder} is a file, not a folder; choose a folder with --dir"
        )
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            raise ClusterError(
                f"{folder} exists and was not made by this script; "
                "choose another folder with --dir"
            )
        recorded = read_pids(folder)
        running = [e["name"] for e in recorded if is_running(e)]
        if running and len(running) == len(recorded):
            say(f"already running ({folder}); stop it first to start afresh")
            print(exports(folder))
            return
        if running:
            raise ClusterError(
                f"only {', '.join(running)} of the cluster in {folder} still "
                "run(s); stop it first: python3 tools/local_slurm.py stop"
                f" --dir {folder}"
            )
    check_reachable_by_munge(folder)
    if (folder / MARKER).exists():
        shutil.rmtree(folder)  # a stopped cluster of ours: start afresh
    for sub in ("state", "spool", "log", "run", "munge"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("made by tools/local_slurm.py\n")
    munge = pwd.getpwnam("munge")
    os.chown(folder / "munge", munge.pw_uid, munge.pw_gid)
    (folder / "munge").chmod(0o755)
    munge_socket = folder / "munge" / "munge.socket.2"
    conf.write_text(
        CONF.format(
            node=NODE,
            partition=PARTITION,
            dir=folder,
            ctld_port=free_port(),
            slurmd_port=free_port(),
            munge_socket=munge_socket,
            node_line=node_line(),
        )
    )
    srun_wrapper(folder, conf)
    env = {**os.environ, "SLURM_CONF": str(conf)}
    try:
        munged = launch(
            folder,
            "munged",
            [
                shutil.which("munged"),
                "--foreground",
                f"--socket={munge_socket}",
                f"--pid-file={folder / 'munge' / 'munged.pid'}",
                f"--log-file={folder / 'munge' / 'munged.log'}",
                f"--seed-file={folder / 'munge' / 'munged.seed'}",
            ],
            env,
            user=munge.pw_uid,
            group=munge.pw_gid,
            extra_groups=[],
        )
        wait_for("munge socket", munge_socket.exists, munged, folder, "munged")

        ctld = launch(
            folder, "slurmctld", [shutil.which("slurmctld"), "-D", "-f", str(conf)], env
        )
        wait_for(
            "answer from slurmctld",
            lambda: quiet(["scontrol", "ping"], env).stdout.count("UP") > 0,
            ctld,
            folder,
            "slurmctld",
        )

        slurmd = launch(
            folder,
            "slurmd",
            [shutil.which("slurmd"), "-D", "-N", NODE, "-f", str(conf)],
            env,
        )
        wait_for(
            f"idle node {NODE}",
            lambda: (
                quiet(["sinfo", "-h", "-n", NODE, "-o", "%T"], env).stdout.strip()
                == "idle"
            ),
            slurmd,
            folder,
            "slurmd",
        )
    except BaseException:
        stop(folder, quiet_if_absent=True)
        raise
    say(f"one-node SLURM up: node {NODE}, partition {PARTITION}, folder {folder}")
    print(exports(folder))


def stop(folder, quiet_if_absent=False):
    folder = folder.resolve()
    entries = read_pids(folder)
    if not entries:
        if not quiet_if_absent:
            say(f"nothing to stop: no daemons recorded in {folder}")
        return
    env = {**os.environ, "SLURM_CONF": str(folder / "slurm.conf")}
    names = {e["name"] for e in entries if is_running(e)}
    if {"slurmctld", "munged"} <= names:
        # the cluster's own jobs, not any other SLURM's
        jobs = quiet(["squeue", "-h", "-o", "%i"], env).stdout.split()
        if jobs:
            quiet(["scancel", *jobs], env)
            say(f"cancelled {len(jobs)} job(s)")
            # their processes end while slurmd still runs to end them
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if not quiet(["squeue", "-h", "-o", "%i"], env).stdout.split():
                    break
                time.sleep(0.5)
    for entry in reversed(entries):  # slurmd, slurmctld, munged
        if not is_running(entry):
            continue
        os.kill(entry["pid"], signal.SIGTERM)
        deadline = time.monotonic() + 15
        while is_running(entry) and time.monotonic() < deadline:
            time.sleep(0.1)
        if is_running(entry):
            os.kill(entry["pid"], signal.SIGKILL)
        say(f"stopped {entry['name']} (pid {entry['pid']})")
    (folder / PIDS).unlink()


def status(folder):
    folder = folder.resolve()
    entries = read_pids(folder)
    running = [e for e in entries if is_running(e)]
    for entry in entries:
        state = "running" if entry in running else "gone"
        print(f"{entry['name']}: pid {entry['pid']} {state}")
    if not entries:
        print(f"not started (no daemons recorded in {folder})")
        return 1
    if len(running) != len(entries):
        return 1
    print(exports(folder))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument(
        "--dir",
        type=Path,
        default=DEFAULT_DIR,
        help=f"folder of the cluster's files (default {DEFAULT_DIR})",
    )
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            start(args.dir)
        elif args.action == "stop":
            stop(args.dir)
        else:
            return status(args.dir)
    except ClusterError as err:
        say(f"error: {err}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
