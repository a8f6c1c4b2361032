"""state - who owns which run id, so that a run killed with SIGKILL can be
cleaned up by the next one, and two live runs never touch each other.

A live run holds an abstract Unix socket named by its id, NAME_FORMAT, bound
in the network namespace the harness runs in (the host's). Abstract names
are per network namespace, not per mount namespace or state directory, so
every run on the host sees them; the kernel frees the name with the process,
kill -9 included. That is what liveness means. Ids are claimed through the
same name, so two runs with private state directories never share one.

Each run also keeps STATE_DIR/<id>.json (created exclusively, after the
name): its PID and start time (field 22 of /proc/PID/stat), the PIDs of the
servers it started (same check before any kill), its private directories,
and the names of the objects it makes, recorded before each is made, so the
next run removes exactly those after a kill -9. A run without root makes its
namespaces in a user namespace that dies with it; its name only keeps its id
unique and its state file from being reaped while it runs.

    st = RunState.claim()          # st.run_id == "k3x9", \0ipcperf-run-k3x9 bound
    st.add_pid(pid); st.add_name("ipcp-k3x9-va")
    st.release()                   # at the very end
"""

import errno
import json
import os
import random
import shutil
import signal
import socket
import tempfile
import time

from .names import ID_ALPHABET, ID_LEN, PREFIX

NAME_FORMAT = "ipcperf-run-{}"


def _bind_name(run_id):
    """Bind run_id's abstract name -> the socket, or None when a live process
    holds it. The socket is not inherited by the programs the run starts."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        sock.bind(b"\0" + NAME_FORMAT.format(run_id).encode())
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            return None
        raise
    return sock


def _take(run_id):
    """run_id's name, bound now -> the socket; None when another process
    holds it, or when it cannot be bound (then nobody can tell: count the id
    as live and touch nothing of it)."""
    try:
        return _bind_name(run_id)
    except OSError:
        return None


def held(run_id):
    """True while some process holds run_id's name (a live run, or a sweep
    removing what that id's dead run left)."""
    sock = _take(run_id)
    if sock is None:
        return True
    sock.close()
    return False


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
    def __init__(self, run_id, path, data, name_sock):
        self.run_id = run_id
        self.path = path
        self.data = data
        self._name = name_sock      # held until release() or the process ends

    @classmethod
    def claim(cls, directory=None, tries=50):
        """A run id no live run on the host holds (its name bound first, so
        runs with other state directories cannot take it too) whose state
        file is new in directory."""
        directory = directory or state_dir()
        _ensure_dir(directory)
        pid = os.getpid()
        data = {"pid": pid, "start": start_time(pid), "pids": [], "dirs": [], "names": []}
        for _ in range(tries):
            rid = "".join(random.choice(ID_ALPHABET) for _ in range(ID_LEN))
            sock = _bind_name(rid)
            if sock is None:
                continue
            path = os.path.join(directory, rid + ".json")
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except OSError as e:
                sock.close()
                if e.errno == errno.EEXIST:     # a dead run's, not swept yet
                    continue
                raise
            with os.fdopen(fd, "w") as f:
                json.dump(data, f)
            return cls(rid, path, data, sock)
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

    def add_name(self, name):
        """Record an object name before the object is made: the next run
        removes what a dead run recorded, and nothing else."""
        if name not in self.data["names"]:
            self.data["names"].append(name)
            self._save()

    def release(self):
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        self._name.close()


def _load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _owner_running(run_id, directory):
    """The state file's word: its owner (PID and start time) still runs.
    Covers runs of a harness older than the abstract names."""
    data = _load(os.path.join(directory or state_dir(), run_id + ".json"))
    return isinstance(data, dict) and is_running(data.get("pid"), data.get("start"))


def is_alive(run_id, directory=None):
    """True while the run that claimed run_id is running: its name is held,
    or its state file's owner runs. An id with neither belongs to no live
    run (runs claim before they create)."""
    return held(run_id) or _owner_running(run_id, directory)


def _state_ids(names):
    """The run ids of a state directory's files: <id>.json, and <id>.json.tmp
    (a run killed while it rewrote its state file may leave only that)."""
    return sorted({n[:-len(suffix)] for n in names for suffix in (".json", ".json.tmp")
                   if n.endswith(suffix)})


def _young(paths, seconds=60):
    """True when a file of paths changed within seconds, or none exists."""
    ages = []
    for path in paths:
        try:
            ages.append(time.time() - os.stat(path).st_mtime)
        except OSError:
            pass
    return not ages or min(ages) < seconds


def dead_runs(directory=None):
    """State files of runs that are gone: [(run_id, path, data)]."""
    directory = directory or state_dir()
    out = []
    try:
        names = os.listdir(directory)
    except OSError:
        return out
    for rid in _state_ids(names):
        path = os.path.join(directory, rid + ".json")
        data = _load(path)
        if data is None:
            # being written, garbage, or a temporary file alone: judged by age only
            if _young([path, path + ".tmp"]):
                continue
            data = {}
        elif is_running(data.get("pid"), data.get("start")):
            continue
        if not held(rid):
            out.append((rid, path, data))
    return out


class Holds:
    """is_alive for a sweep. An id found dead is held (its name bound) by
    the sweeper until close(), so no new run can claim it while what its
    dead run left is removed.

        with Holds(own_id) as alive:
            if not alive("k3x9"): ...      # k3x9 is dead and now ours
    """

    def __init__(self, own_id, directory=None):
        self.own_id, self.directory = own_id, directory
        self.judged, self.socks = {}, []

    def __call__(self, run_id):
        if run_id not in self.judged:
            self.judged[run_id] = self._judge(run_id)
        return self.judged[run_id]

    def _judge(self, run_id):
        if run_id == self.own_id:
            return True
        sock = _take(run_id)
        if sock is None:
            return True
        self.socks.append(sock)
        return _owner_running(run_id, self.directory)

    def close(self):
        for sock in self.socks:
            sock.close()
        self.socks = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def reap_dead_run(path, data):
    """Kill the still-running servers a dead run started (same PID and start
    time only), remove its private directories, then its state file and any
    temporary one a kill left."""
    for pid, start in data.get("pids", []):
        if is_running(pid, start):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    for d in data.get("dirs", []):
        if os.path.basename(d).startswith(PREFIX):
            shutil.rmtree(d, ignore_errors=True)
    for leftover in (path, path + ".tmp"):
        try:
            os.unlink(leftover)
        except FileNotFoundError:
            pass
