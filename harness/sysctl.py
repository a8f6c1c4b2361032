"""sysctl - host sysctls a run changes (net.ipv4.ip_forward for nat), put
back however the run ends. The value found is written to the run's state
file before the new one is written to /proc/sys, so the run itself restores
it on every exit path and, after a kill -9, the next run does (app sweeps
dead runs with restore_dead() before it makes anything).

Runs share the machine: a run that finds a value set by another live run
inherits that run's record of the original, and only the last holder puts
it back. A value someone else changed meanwhile is left as it is.

    s = Sysctls(st)                          # st: the run's state.RunState
    s.hold("net.ipv4.ip_forward", "1")       # records {"orig": "0", "set": "1"}
    s.release("net.ipv4.ip_forward")         # writes "0" unless another run holds it

Namespaces the run creates need none of this: their sysctls die with them.
"""

import contextlib
import fcntl
import os

from . import state
from .command import TopologyError

KEY = "sysctls"          # in the state file: {name: {"orig": v, "set": v}}
PROC_SYS = "/proc/sys"   # tests point this at a directory of their own


def proc_path(name):
    return os.path.join(PROC_SYS, *name.split("."))


def read(name):
    try:
        with open(proc_path(name)) as f:
            return " ".join(f.read().split())
    except OSError as e:
        raise TopologyError(f"cannot read sysctl {name}: {e.strerror}") from None


def write(name, value):
    try:
        with open(proc_path(name), "w") as f:
            f.write(str(value))
    except OSError as e:
        raise TopologyError(f"cannot set sysctl {name}={value}: {e.strerror}") from None


@contextlib.contextmanager
def locked(directory):
    """Serialise changes to the host namespace across runs (an flock on a
    file in the state dir): sysctl holders, and transports.Context.host_lock."""
    fd = os.open(os.path.join(directory, "sysctl.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _live_records(directory, name, exclude):
    """Records of sysctl name held by other live runs."""
    out = []
    try:
        files = sorted(os.listdir(directory))
    except OSError:
        return out
    for f in files:
        if not f.endswith(".json") or f[:-5] in exclude:
            continue
        try:
            data = state._load(os.path.join(directory, f))
        except Exception:
            data = None
        if not isinstance(data, dict):
            continue
        rec = (data.get(KEY) or {}).get(name)
        if rec and state.is_running(data.get("pid"), data.get("start")):
            out.append(rec)
    return out


def _restore(name, rec):
    """Put rec["orig"] back if the value is still what the run set."""
    cur = read(name)
    if cur == rec.get("set") and rec.get("orig") is not None and cur != rec["orig"]:
        write(name, rec["orig"])
        return True
    return False


class Sysctls:
    def __init__(self, st, directory=None):
        self.st = st
        self.dir = directory or os.path.dirname(st.path)

    def held(self):
        return dict(self.st.data.get(KEY) or {})

    def hold(self, name, value):
        """Set sysctl name to value for this run. Returns the value found."""
        value = str(value)
        with locked(self.dir):
            cur = read(name)
            others = _live_records(self.dir, name, {self.st.run_id})
            orig = others[0]["orig"] if others and cur == others[0].get("set") else cur
            rec = self.st.data.setdefault(KEY, {})[name] = {"orig": orig, "set": value}
            self.st._save()                       # recorded before it changes
            if cur != value:
                write(name, value)
                got = read(name)
                if got != value:                  # the kernel's form ("01" reads "1")
                    rec["set"] = got
                    self.st._save()
        return orig

    def adopt(self, name, orig):
        """Record a change that something the run started made (a daemon):
        name was orig before it and is what it reads now. Put back like a
        held one: by release(), or by the next run after a kill -9."""
        with locked(self.dir):
            others = _live_records(self.dir, name, {self.st.run_id})
            if others:
                orig = others[0]["orig"]
            self.st.data.setdefault(KEY, {})[name] = {"orig": str(orig), "set": read(name)}
            self.st._save()

    def release(self, name):
        """Restore name unless another live run still holds it."""
        try:
            self._release(name)
        except OSError as e:
            raise TopologyError(f"cannot restore sysctl {name}: {e}") from None

    def _release(self, name):
        with locked(self.dir):
            rec = (self.st.data.get(KEY) or {}).get(name)
            if rec is None:
                return
            try:
                if not _live_records(self.dir, name, {self.st.run_id}):
                    _restore(name, rec)
            finally:
                del self.st.data[KEY][name]
                self.st._save()


def restore_dead(data, directory=None):
    """Put back what a dead run (its state-file data) changed and nobody
    alive holds now. Returns ["name=value"] restored; never raises."""
    directory = directory or state.state_dir()
    done = []
    recs = (data or {}).get(KEY) or {}
    if not recs:
        return done
    try:
        with locked(directory):
            for name, rec in recs.items():
                try:
                    if not _live_records(directory, name, set()) and _restore(name, rec):
                        done.append(f"{name}={rec['orig']}")
                except TopologyError:
                    pass
    except OSError:
        pass
    return done
