"""outfile - writes to the run directory that leave every file whole: a
file rewritten goes through PATH.tmp and a rename (replace), an appended
record is cut off again when it cannot be written whole (Appender). A full
disk, an I/O error or a directory gone mid-run becomes one WriteError that
names the file, with no PATH.tmp left behind.

    replace("run/meta.json", lambda f: f.write(text))
    out = Appender("run/results.csv")
    out.append(b"one whole row\\n")     # all of it, or the file as it was
"""

import errno
import os
import signal


class WriteError(Exception):
    """The run directory refused a write; the message is one line."""

    def __init__(self, path, error):
        super().__init__(f"cannot write {path}: {error.strerror or error}")


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def replace(path, fill):
    """Write path whole: fill(f) writes the text into PATH.tmp, which then
    replaces path, so a reader sees the old file or the new one. On any
    failure PATH.tmp is removed; an OSError becomes WriteError."""
    tmp = path + ".tmp"
    try:
        with open(tmp, "w", newline="") as f:
            fill(f)
        os.replace(tmp, path)
    except OSError as e:
        _unlink(tmp)
        raise WriteError(path, e) from None
    except BaseException:
        _unlink(tmp)
        raise


class Appender:
    """Appends records to a file with one write each, unbuffered. A record
    that cannot be written whole is cut off again (ftruncate to the end of
    the one before), so the file always ends after a complete record; a
    SIGINT or SIGTERM waits until the record is in."""

    def __init__(self, path):
        self.path = path
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
                              0o666)
        except OSError as e:
            raise WriteError(path, e) from None
        self.size = os.fstat(self.fd).st_size

    def append(self, data):
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            self._write_all(data)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def _write_all(self, data):
        view = memoryview(data)
        try:
            while view:
                n = os.write(self.fd, view)
                if n == 0:
                    raise OSError(0, "the file system took no bytes")
                view = view[n:]
            if os.fstat(self.fd).st_nlink == 0:     # rows would go nowhere
                raise OSError(errno.ENOENT, "removed while the run wrote to it")
        except OSError as e:
            try:
                os.ftruncate(self.fd, self.size)
            except OSError:
                pass        # nothing more to do: the error below says which file
            raise WriteError(self.path, e) from None
        self.size += len(data)

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
