"""Writes to the run directory leave every file whole (harness/outfile.py):
a record the disk refuses is cut off again, a rewrite that fails leaves the
old file and no PATH.tmp, and each failure is one WriteError naming the file."""

import csv
import errno
import os
import tempfile
import unittest
from unittest import mock

from harness import outfile, results


class InTempDir(unittest.TestCase):
    """self.path: the file FILE in a temporary directory of the test."""
    FILE = "results.csv"

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, self.FILE)

    def tearDown(self):
        self.tmp.cleanup()


class TestAppender(InTempDir):

    def test_a_record_written_in_part_is_cut_off(self):
        out = outfile.Appender(self.path)
        out.append(b"header\n")
        out.append(b"row 1\n")
        real_write = os.write

        def half_then_full(fd, data):        # what a disk that fills mid-row does
            if len(data) > 3:
                return real_write(fd, bytes(data[:3]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        with mock.patch.object(outfile.os, "write", side_effect=half_then_full):
            with self.assertRaises(outfile.WriteError) as cm:
                out.append(b"row 2 that does not fit\n")
        self.assertEqual(str(cm.exception),
                         f"cannot write {self.path}: No space left on device")
        out.append(b"row 3\n")               # room again: the file goes on whole
        out.close()
        with open(self.path, "rb") as f:
            self.assertEqual(f.read(), b"header\nrow 1\nrow 3\n")

    def test_rep_writer_rows_parse(self):
        w = results.RepWriter(self.path)
        w.write({c: "x,y" if c == "note" else "1" for c in results.COLUMNS})
        w.close()
        w = results.RepWriter(self.path)     # an existing file gets no second header
        w.write({c: "2" for c in results.COLUMNS})
        w.close()
        with open(self.path, newline="") as f:
            got = list(csv.DictReader(f))
        self.assertEqual([r["note"] for r in got], ["x,y", "2"])


class TestReplace(InTempDir):
    FILE = "meta.json"

    def test_failed_rewrite_keeps_the_old_file_and_no_tmp(self):
        outfile.replace(self.path, lambda f: f.write("old\n"))

        def fill(f):
            f.write("half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        with self.assertRaises(outfile.WriteError) as cm:
            outfile.replace(self.path, fill)
        self.assertIn(f"cannot write {self.path}: No space left on device", str(cm.exception))
        self.assertEqual(os.listdir(self.tmp.name), ["meta.json"])
        with open(self.path) as f:
            self.assertEqual(f.read(), "old\n")

    def test_directory_gone(self):
        gone = os.path.join(self.tmp.name, "gone", "summary.csv")
        with self.assertRaises(outfile.WriteError) as cm:
            results.write_summary(gone, [])
        self.assertEqual(str(cm.exception),
                         f"cannot write {gone}: No such file or directory")

    def test_interrupted_rewrite_leaves_no_tmp(self):
        def fill(f):
            f.write("half")
            raise KeyboardInterrupt
        with self.assertRaises(KeyboardInterrupt):
            outfile.replace(self.path, fill)
        self.assertEqual(os.listdir(self.tmp.name), [])


if __name__ == "__main__":
    unittest.main()
