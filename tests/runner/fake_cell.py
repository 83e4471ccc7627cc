#!/usr/bin/env python3
"""A stand-in for a CMocka conformance binary: writes the XML CMocka would write for the
outcome named by FAKE_CELL_MODE, or crashes part-way, so the runner's judging is tested."""
import os
import sys

CASES = ["case_a", "case_b"]
mode = os.environ.get("FAKE_CELL_MODE", "pass")
if "--list" in sys.argv:
    print("\n".join(CASES))
    sys.exit(0)
if mode == "crash":
    sys.exit(139)  # no XML written, as when the process dies
body = []
for c in CASES:
    if mode == "fail_b" and c == "case_b":
        body.append(f'<testcase name="{c}" time="0.0"><failure><![CDATA[expected 1, got 2]]></failure></testcase>')
    elif mode == "skip_b" and c == "case_b":
        body.append(f'<testcase name="{c}" time="0.0"><skipped/></testcase>')
    else:
        body.append(f'<testcase name="{c}" time="0.0"></testcase>')
with open(os.environ["CMOCKA_XML_FILE"], "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8" ?><testsuites><testsuite name="fake">'
            + "".join(body) + "</testsuite></testsuites>")
sys.exit(1 if mode in ("fail_b", "skip_b") else 0)
