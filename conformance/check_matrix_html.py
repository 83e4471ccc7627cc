#!/usr/bin/env python3
"""Checks that the compatibility matrix page agrees with the run's JSON: the totals table's
counts per cell, and the statuses of the case rows counted again, equal matrix.json's."""
import argparse
import collections
import json
import sys
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.totals = {}
        self.rows = collections.Counter()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-cell" in a:
            self.totals[a["data-cell"]] = {k: int(a["data-" + k.replace(" ", "-")])
                                           for k in ("pass", "deviation", "fail", "not run", "total")}
        if tag == "tr" and a.get("class") == "case":
            for cell in ("reference", "shim"):
                self.rows[(a["data-corpus"] + "." + cell, a["data-" + cell])] += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", required=True)
    ap.add_argument("--html", required=True)
    a = ap.parse_args()
    with open(a.json, encoding="utf-8") as f:
        want = json.load(f)["cells"]
    page = Page()
    with open(a.html, encoding="utf-8") as f:
        page.feed(f.read())
    problems = []
    if set(page.totals) != set(want):
        problems.append(f"cells: page {sorted(page.totals)}, json {sorted(want)}")
    for cell, n in want.items():
        got = page.totals.get(cell)
        if got != n:
            problems.append(f"{cell}: page totals {got}, json {n}")
        counted = {k: page.rows[(cell, k)] for k in ("pass", "deviation", "fail", "not run")}
        counted["total"] = sum(counted.values())
        if counted != n:
            problems.append(f"{cell}: case rows on the page {counted}, json {n}")
    for p in problems:
        print("mismatch:", p)
    if not problems:
        print(f"the page matches the JSON: {len(want)} cells, "
              f"{sum(n['total'] for n in want.values())} case results")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
