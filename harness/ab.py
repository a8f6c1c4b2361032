"""ab - the arms of a run: one, named '', without --ab; with --ab SPEC
(DESIGN.md), A (the run as given) and B (A changed by SPEC). The spec is
made real before anything is measured, and bad input is a UsageError (exit
2) that leaves the machine as it was:

- rev:GITREV  bench/ipcperf built from that revision (`git archive` of it
              into the run's private directory, `make`; removed with the
              directory, by the next run after a kill -9; nothing is
              registered in the repository, as a `git worktree` would be)
- bin:PATH    that binary, once `--list` shows it is an ipcperf
- sysctl:...  each name readable and writable and each value taken by the
              kernel (a trial write, put back at once); then set for each
              of B's reps only (Arm.around), through the run's sysctl holder
              (harness/sysctl.py), so that every exit puts it back
- opt:'...'   B's per-rep options (cli.parse_b_options)
- same        B = A: an A/A calibration

    arms = make_arms(cfg, binary, repo, workdir, holder)
    [a.name for a in arms]          # ['A', 'B']
    with arms[1].around():          # B's sysctls set; put back on the way out
        ...
"""

import contextlib
import dataclasses
import os
import shutil
import subprocess

from . import cli, runner, sysctl
from .command import TopologyError, one_line

BUILD_TIMEOUT = 600         # make of a revision's bench/ipcperf
GIT_TIMEOUT = 60


@dataclasses.dataclass
class Arm:
    name: str               # "A", "B"; "" without --ab
    binary: str
    cfg: object             # cli.Config: B's has opt:'s options applied
    own_servers: bool = False   # B's binary differs from A's: servers of its own
    sysctls: tuple = ()     # ((name, value), ...) set for each of this arm's reps
    holder: object = None   # sysctl.Sysctls of the run
    commit: str = None      # rev: the commit its binary was built from

    @contextlib.contextmanager
    def around(self):
        """This arm's sysctls for one rep, put back however the rep ends."""
        held = []
        try:
            for name, value in self.sysctls:
                held.append(name)       # first: an interruption inside hold still releases
                self.holder.hold(name, value)
            yield
        finally:
            release_all(self.holder, held)


def release_all(holder, names):
    """Put every name back; the first failure is raised after all were tried."""
    errors = []
    for name in reversed(list(names)):
        try:
            holder.release(name)
        except TopologyError as e:
            errors.append(e)
    if errors:
        raise errors[0]


def _git(repo, args, **kw):
    try:
        return subprocess.run(["git", "-C", repo] + args, capture_output=True,
                              timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL, **kw)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise cli.UsageError(f"--ab rev: cannot run git: {e}") from None


def resolve_rev(repo, rev):
    """The commit GITREV names in repo, or UsageError."""
    p = _git(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options",
                    rev + "^{commit}"], text=True)
    if p.returncode != 0 or not p.stdout.strip():
        raise cli.UsageError(f"--ab rev:{rev}: no such revision in {repo}")
    return p.stdout.strip()


def build_rev(repo, rev, workdir):
    """bench/ipcperf of revision rev, built under workdir -> (binary, commit);
    UsageError (and nothing left) when it does not exist or does not build."""
    sha = resolve_rev(repo, rev)
    dest = os.path.join(workdir, "rev-" + sha[:12])
    try:
        os.makedirs(dest)
        tree = _git(repo, ["archive", "--format=tar", sha])
        if tree.returncode != 0:
            raise cli.UsageError(f"--ab rev:{rev}: git archive failed: "
                                 f"{one_line(tree.stderr.decode(errors='replace'))}")
        subprocess.run(["tar", "-x", "-C", dest], input=tree.stdout, check=True,
                       capture_output=True, timeout=GIT_TIMEOUT)
        make = subprocess.run(["make", "-C", dest, f"-j{os.cpu_count() or 1}", "bench/ipcperf"],
                              capture_output=True, text=True, timeout=BUILD_TIMEOUT,
                              stdin=subprocess.DEVNULL, preexec_fn=runner.die_with_parent)
    except (OSError, subprocess.SubprocessError) as e:
        shutil.rmtree(dest, ignore_errors=True)
        raise cli.UsageError(f"--ab rev:{rev} ({sha[:12]}) cannot be built: {e}") from None
    except cli.UsageError:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    binary = os.path.join(dest, "bench", "ipcperf")
    if make.returncode != 0 or not os.access(binary, os.X_OK):
        shutil.rmtree(dest, ignore_errors=True)
        raise cli.UsageError(f"--ab rev:{rev} ({sha[:12]}) does not build: "
                             f"{_first_error(make)}")
    return binary, sha


def _first_error(make):
    """The line of make's output that says why, as run.sh picks it."""
    text = (make.stderr or "") + (make.stdout or "")
    for line in text.splitlines():
        if "error" in line.lower() and "waiting for unfinished jobs" not in line.lower():
            return line.strip()
    return one_line(text) or f"make exit {make.returncode}"


def check_binary(path):
    """An executable ipcperf at path (its --list answers), or UsageError."""
    path = os.path.abspath(path)
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise cli.UsageError(f"--ab bin:{path}: not an executable file")
    if not runner.listing(path):
        raise cli.UsageError(f"--ab bin:{path}: not an ipcperf binary (its --list "
                             "names no socket kinds)")
    return path


def check_sysctls(pairs, holder):
    """Each (name, value) can be set: the name exists, is writable, is not
    one the run's transports set, and the kernel takes the value (a trial,
    put back at once). -> the pairs as the kernel reads the values back."""
    for name, _ in pairs:
        path = sysctl.proc_path(name)
        if not os.path.isfile(path):
            raise cli.UsageError(f"--ab sysctl: {name} does not exist on this machine")
        if name in holder.held():
            raise cli.UsageError(f"--ab sysctl: {name} is set by this run's transports "
                                 "for the whole run; B cannot change it")
        if not os.access(path, os.R_OK | os.W_OK):
            raise cli.UsageError(f"--ab sysctl: {name} cannot be written here "
                                 "(read-only, or not root)")
    taken = []
    for name, value in pairs:
        try:
            with Arm("B", "", None, sysctls=((name, value),), holder=holder).around():
                taken.append((name, sysctl.read(name)))
        except TopologyError as e:
            raise cli.UsageError(f"--ab sysctl: {e}") from None
    return tuple(taken)


def make_arms(cfg, binary, repo, workdir, holder):
    """[Arm] of the run: [''] without --ab, else [A, B]; UsageError."""
    spec = cfg.ab
    if spec is None:
        return [Arm("", binary, cfg)]
    a = Arm("A", binary, cfg)
    b = Arm("B", binary, cfg)
    if spec.kind == "rev":
        b.binary, b.commit = build_rev(repo, spec.text, workdir)
    elif spec.kind == "bin":
        b.binary = check_binary(spec.text)
    elif spec.kind == "sysctl":
        b.sysctls, b.holder = check_sysctls(spec.sysctls, holder), holder
    elif spec.kind == "opt":
        b.cfg = dataclasses.replace(cfg, **spec.options)
    b.own_servers = os.path.realpath(b.binary) != os.path.realpath(a.binary)
    return [a, b]


def describe(cfg, arms):
    """meta.json's settings.ab: kind, spec, what B is (rev: its commit; bin:
    its path; sysctl: the values; opt: the options), A's binary; None
    without --ab."""
    spec = cfg.ab
    if spec is None:
        return None
    b = arms[1]
    what = {"same": None, "rev": b.commit, "bin": b.binary,
            "sysctl": dict(b.sysctls), "opt": dict(spec.options)}[spec.kind]
    return {"kind": spec.kind, "spec": f"{spec.kind}:{spec.text}" if spec.text else spec.kind,
            "b": what, "a": arms[0].binary, "order": "ABBA",
            "servers": "per arm" if b.own_servers else "shared"}
