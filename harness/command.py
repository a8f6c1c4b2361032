"""command - runs one external command (ip, nft, tc, ethtool, ...) with a
timeout and turns every failure into a TopologyError of one line; the error
type of every step that sets the machine up (links, namespaces, nftables,
sysctls). topology, nft and sysctl import it from here, so none of them
imports another for its error.

    p = run(["ip", "-j", "link", "show"])           # CompletedProcess, text
    run(["ip", "link", "del", "x"], check=False)    # a failure is returned, not raised
    # TopologyError: 'ip link add ...' failed: RTNETLINK answers: File exists
"""

import subprocess

CMD_TIMEOUT = 15


class TopologyError(Exception):
    """A set-up step failed; the message is one line."""


def one_line(text):
    """The last non-empty line of a command's output ('' when none)."""
    lines = [l.strip() for l in (text or "").strip().splitlines() if l.strip()]
    return lines[-1] if lines else ""


def run(argv, timeout=CMD_TIMEOUT, check=True, input=None):
    """Run argv, capture text output; TopologyError on failure or timeout.
    input: text for its stdin (else it reads none)."""
    try:
        p = subprocess.run(argv, stdin=None if input is not None else subprocess.DEVNULL,
                           input=input, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TopologyError(f"'{' '.join(argv)}' timed out after {timeout} s") from None
    except OSError as e:
        raise TopologyError(f"cannot run {argv[0]}: {e.strerror}") from None
    if check and p.returncode != 0:
        raise TopologyError(f"'{' '.join(argv)}' failed: "
                            f"{one_line(p.stderr) or 'exit %d' % p.returncode}")
    return p
