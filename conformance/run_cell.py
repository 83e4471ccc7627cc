#!/usr/bin/env python3
"""Runs one conformance cell (a test binary in its reference or shim run), judges each
case against the known reference deviations, writes the cell's result as JSON and exits
non-zero unless every case passed or is a documented reference deviation."""
import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET


def wine_path(path):
    # Wine maps the Unix root to drive Z:.
    return "Z:" + os.path.abspath(path).replace("/", "\\")


def platform_name(emulator):
    if emulator:
        try:
            v = subprocess.run([emulator, "--version"], capture_output=True, text=True,
                               timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            v = "wine-unknown"
        return v or "wine-unknown"
    libc, ver = platform.libc_ver()
    return f"linux-{libc or 'libc'}-{ver}"


def load_deviations(path, corpus, test, plat):
    if not path or not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    out = {}
    for d in data.get("deviations", []):
        if d.get("corpus") == corpus and d.get("test") == test and plat.startswith(d.get("platform", "")):
            if not d.get("evidence"):
                raise SystemExit(f"deviation for {corpus}.{test}/{d.get('case')} has no evidence")
            out[d["case"]] = d
    return out


def parse_cmocka_xml(path):
    cases = []
    if not os.path.exists(path):
        return cases
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return cases
    for tc in root.iter("testcase"):
        failure = tc.find("failure")
        error = tc.find("error")
        skipped = tc.find("skipped")
        if failure is not None or error is not None:
            node = failure if failure is not None else error
            status, msg = "fail", (node.text or node.get("message") or "").strip()
        elif skipped is not None:
            # A skipped check is not a pass.
            status, msg = "fail", "skipped"
        else:
            status, msg = "pass", ""
        cases.append({"case": tc.get("name"), "status": status, "message": msg,
                      "time": float(tc.get("time") or 0)})
    return cases


def list_cases(cmd, env):
    try:
        p = subprocess.run(cmd + ["--list"], capture_output=True, text=True, env=env, timeout=300)
        return [l.strip() for l in p.stdout.splitlines() if l.strip()]
    except (OSError, subprocess.SubprocessError):
        return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--cell", required=True, choices=["reference", "shim"])
    ap.add_argument("--deviations")
    ap.add_argument("--results", required=True)
    ap.add_argument("--emulator")
    ap.add_argument("--timeout", type=float, default=540)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = [c for c in a.cmd if c != "--"]
    if a.emulator:
        cmd = [a.emulator] + cmd

    os.makedirs(a.results, exist_ok=True)
    plat = platform_name(a.emulator)
    deviations = load_deviations(a.deviations, a.corpus, a.test, plat) if a.cell == "reference" else {}

    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="conf-") as tmp:
        xml_path = os.path.join(tmp, "result.xml")
        env["CMOCKA_MESSAGE_OUTPUT"] = "xml"
        env["CMOCKA_XML_FILE"] = wine_path(xml_path) if a.emulator else xml_path
        start = time.monotonic()
        timed_out = False
        # Output goes to a file, not a pipe: a grandchild left running by a failed case must
        # not keep the runner waiting for EOF. Once the test process ends, whatever it left
        # behind in its process group is killed.
        log_path = os.path.join(tmp, "output.log")
        with open(log_path, "w+", encoding="utf-8", errors="replace") as log:
            p = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)
            try:
                p.wait(timeout=a.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
            log.seek(0)
            output = log.read()
        elapsed = time.monotonic() - start
        cases = parse_cmocka_xml(xml_path)

    # Cases the binary declares but that left no result (crash, hang) are failures.
    seen = {c["case"] for c in cases}
    for name in list_cases(cmd, env):
        if name not in seen:
            cases.append({"case": name, "status": "fail", "time": 0.0,
                          "message": "timed out" if timed_out else
                          f"no result (process exit code {p.returncode})"})
    if not cases:
        cases.append({"case": "(binary)", "status": "fail", "time": 0.0,
                      "message": f"no test ran (exit code {p.returncode})"})

    if p.returncode != 0 and all(c["status"] == "pass" for c in cases):
        cases.append({"case": "(process)", "status": "fail", "time": 0.0,
                      "message": f"every case passed but the process exited with {p.returncode}"})

    for c in cases:
        d = deviations.get(c["case"])
        if d and c["status"] == "fail":
            c["status"] = "deviation"
            c["evidence"] = d["evidence"]
        elif d:
            c["note"] = "listed as a reference deviation but passed: review deviations.json"

    ok = all(c["status"] in ("pass", "deviation") for c in cases)
    result = {"corpus": a.corpus, "test": a.test, "cell": a.cell, "platform": plat,
              "exit_code": p.returncode, "timed_out": timed_out, "seconds": round(elapsed, 3),
              "passed": ok, "cases": cases}
    with open(os.path.join(a.results, f"{a.corpus}.{a.test}.{a.cell}.json"), "w",
              encoding="utf-8") as f:
        json.dump(result, f, indent=2)

    print(f"{a.corpus}.{a.test} [{a.cell} on {plat}] {elapsed:.2f}s")
    for c in cases:
        line = f"  {c['status']:9} {c['case']}"
        if c["status"] != "pass" and c.get("message"):
            line += f": {c['message'].splitlines()[0] if c['message'] else ''}"
        if c.get("evidence"):
            line += f" (known reference deviation: {c['evidence']})"
        if c.get("note"):
            line += f" [{c['note']}]"
        print(line)
    if not ok:
        print("--- test output ---")
        print(output)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
