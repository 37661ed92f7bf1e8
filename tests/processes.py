"""Processes as the tests watch them, through Linux's /proc: a build's
children, whether one is still alive, whether it handles a signal yet, and
waiting for them to go."""
from __future__ import annotations

import time
from pathlib import Path

# Seconds of studies on 2 workers: long enough to interrupt them.
STUDIES = ["--set", "epochs=4000", "--set", "studies.seeds=64",
           "--set", "studies.reliability_seeds=256", "--set", "studies.workers=2"]


def children_of(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until_gone(pids, seconds):
    """The pids still alive after at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def handles(pid, signum):
    """Whether process ``pid`` has a handler of its own for ``signum`` (as
    the labreport command has for SIGTERM from its first statement on);
    where there is no /proc to tell, assumed."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    caught = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught, 16) >> (signum - 1) & 1)
