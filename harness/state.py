"""state - who owns which run id, so that a run killed with SIGKILL can be
cleaned up by the next one, and two live runs never touch each other.

Each run claims a short id (4 base36 characters: names like ipcp-k3x9-va fit
IFNAMSIZ) by creating STATE_DIR/<id>.json exclusively, before it makes any
object. The file holds the owner's PID and its start time (field 22 of
/proc/PID/stat), so a PID reused by another process does not count as the
owner; the PIDs of the servers it started (same check before any kill); and
its private directory. A run is alive while its owner is.

    st = RunState.claim()          # st.run_id == "k3x9"
    st.add_pid(pid); st.release()  # release() at the very end
"""

import json
import os
import random
import shutil
import signal
import string
import tempfile
import time

ALPHABET = string.ascii_lowercase + string.digits


def state_dir():
    if os.geteuid() == 0:
        return "/run/ipcperf"
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isdir(xdg) and os.access(xdg, os.W_OK):
        return os.path.join(xdg, "ipcperf")
    return os.path.join(tempfile.gettempdir(), f"ipcperf-{os.getuid()}")


def _ensure_dir(path):
    os.makedirs(path, mode=0o700, exist_ok=True)
    st = os.lstat(path)
    if st.st_uid != os.geteuid() or not os.path.isdir(path) or os.path.islink(path):
        raise OSError(f"{path} is not a private directory of this user")


def start_time(pid):
    """Start time of pid in clock ticks since boot (a string), or None when
    there is no such process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    # comm may contain spaces and ')'; the fields after the last ')' are fixed.
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[19]          # field 22 overall; fields[0] is field 3


def is_running(pid, start):
    return start is not None and start_time(pid) == start


class RunState:
    def __init__(self, run_id, path, data):
        self.run_id = run_id
        self.path = path
        self.data = data

    @classmethod
    def claim(cls, directory=None, tries=50):
        directory = directory or state_dir()
        _ensure_dir(directory)
        pid = os.getpid()
        data = {"pid": pid, "start": start_time(pid), "pids": [], "dirs": []}
        for _ in range(tries):
            rid = "".join(random.choice(ALPHABET) for _ in range(4))
            path = os.path.join(directory, rid + ".json")
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            with os.fdopen(fd, "w") as f:
                json.dump(data, f)
            return cls(rid, path, data)
        raise OSError(f"no free run id in {directory}")

    def _save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f)
        os.replace(tmp, self.path)

    def add_pid(self, pid):
        self.data["pids"].append([pid, start_time(pid)])
        self._save()

    def remove_pid(self, pid):
        self.data["pids"] = [p for p in self.data["pids"] if p[0] != pid]
        self._save()

    def add_dir(self, path):
        self.data["dirs"].append(path)
        self._save()

    def release(self):
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def _load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def is_alive(run_id, directory=None):
    """True while the run that claimed run_id is running. A name without a
    state file belongs to no live run (runs claim before they create)."""
    data = _load(os.path.join(directory or state_dir(), run_id + ".json"))
    if not isinstance(data, dict):
        return False
    return is_running(data.get("pid"), data.get("start"))


def dead_runs(directory=None):
    """State files of runs whose owner is gone: [(run_id, path, data)]."""
    directory = directory or state_dir()
    out = []
    try:
        names = os.listdir(directory)
    except OSError:
        return out
    for name in sorted(names):
        if not name.endswith(".json"):
            continue
        path = os.path.join(directory, name)
        data = _load(path)
        if data is None:
            # a file being written (or garbage): judge it by age only
            try:
                if time.time() - os.stat(path).st_mtime < 60:
                    continue
            except OSError:
                continue
            out.append((name[:-5], path, {}))
            continue
        if not is_running(data.get("pid"), data.get("start")):
            out.append((name[:-5], path, data))
    return out


def reap_dead_run(path, data):
    """Kill the still-running servers a dead run started (same PID and start
    time only), remove its private directories, then its state file."""
    for pid, start in data.get("pids", []):
        if is_running(pid, start):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    for d in data.get("dirs", []):
        if os.path.basename(d).startswith("ipcp-"):
            shutil.rmtree(d, ignore_errors=True)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
