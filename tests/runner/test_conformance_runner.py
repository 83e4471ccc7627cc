#!/usr/bin/env python3
"""The conformance runner's judging rules (conformance/run_cell.py and matrix.py)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
RUN_CELL = os.path.join(SRC, "conformance", "run_cell.py")
MATRIX = os.path.join(SRC, "conformance", "matrix.py")
FAKE = os.path.join(HERE, "fake_cell.py")


class RunnerTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.results = os.path.join(self.tmp.name, "results")

    def tearDown(self):
        self.tmp.cleanup()

    def deviations(self, entries):
        path = os.path.join(self.tmp.name, "deviations.json")
        with open(path, "w") as f:
            json.dump({"deviations": entries}, f)
        return path

    def run_cell(self, mode, cell="reference", deviations=None):
        env = dict(os.environ, FAKE_CELL_MODE=mode)
        args = [sys.executable, RUN_CELL, "--corpus", "win32", "--test", "fake", "--cell", cell,
                "--results", self.results]
        if deviations:
            args += ["--deviations", deviations]
        p = subprocess.run(args + ["--", sys.executable, FAKE], env=env, capture_output=True,
                           text=True)
        with open(os.path.join(self.results, f"win32.fake.{cell}.json")) as f:
            return p.returncode, json.load(f)

    def statuses(self, result):
        return {c["case"]: c["status"] for c in result["cases"]}

    def test_all_pass(self):
        rc, r = self.run_cell("pass")
        self.assertEqual(rc, 0)
        self.assertEqual(self.statuses(r), {"case_a": "pass", "case_b": "pass"})

    def test_reference_failure_fails_the_run(self):
        rc, r = self.run_cell("fail_b")
        self.assertEqual(rc, 1)
        self.assertEqual(self.statuses(r)["case_b"], "fail")
        self.assertIn("expected 1, got 2", r["cases"][1]["message"])

    def test_skipped_is_not_a_pass(self):
        rc, r = self.run_cell("skip_b")
        self.assertEqual(rc, 1)
        self.assertEqual(self.statuses(r)["case_b"], "fail")

    def test_crash_fails_every_case_without_result(self):
        rc, r = self.run_cell("crash")
        self.assertEqual(rc, 1)
        self.assertEqual(self.statuses(r), {"case_a": "fail", "case_b": "fail"})

    def test_documented_reference_deviation_is_reported_not_failed(self):
        dev = self.deviations([{"corpus": "win32", "test": "fake", "case": "case_b",
                                "platform": "linux", "evidence": "documented X, reference does Y"}])
        rc, r = self.run_cell("fail_b", deviations=dev)
        self.assertEqual(rc, 0)
        self.assertEqual(self.statuses(r)["case_b"], "deviation")
        self.assertEqual(r["cases"][1]["evidence"], "documented X, reference does Y")

    def test_deviation_never_excuses_the_shim(self):
        dev = self.deviations([{"corpus": "win32", "test": "fake", "case": "case_b",
                                "platform": "", "evidence": "e"}])
        rc, r = self.run_cell("fail_b", cell="shim", deviations=dev)
        self.assertEqual(rc, 1)
        self.assertEqual(self.statuses(r)["case_b"], "fail")

    def test_deviation_without_evidence_is_refused(self):
        dev = self.deviations([{"corpus": "win32", "test": "fake", "case": "case_b",
                                "platform": "linux"}])
        env = dict(os.environ, FAKE_CELL_MODE="fail_b")
        p = subprocess.run([sys.executable, RUN_CELL, "--corpus", "win32", "--test", "fake",
                            "--cell", "reference", "--results", self.results, "--deviations", dev,
                            "--", sys.executable, FAKE], env=env, capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no evidence", p.stderr + p.stdout)

    def test_matrix_flags_missing_cells(self):
        src = os.path.join(self.tmp.name, "src")
        os.makedirs(os.path.join(src, "conformance", "win32"))
        open(os.path.join(src, "conformance", "win32", "fake.c"), "w").close()
        self.run_cell("pass")  # reference only; the shim cell never ran
        out = os.path.join(self.tmp.name, "matrix")
        p = subprocess.run([sys.executable, MATRIX, "--source-dir", src, "--results", self.results,
                            "--out", out], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("win32.fake shim: no result", p.stdout)
        with open(os.path.join(out, "matrix.json")) as f:
            m = json.load(f)
        self.assertEqual(m["rows"][0]["reference"], "pass")
        self.assertIsNone(m["rows"][0]["shim"])


if __name__ == "__main__":
    unittest.main()
