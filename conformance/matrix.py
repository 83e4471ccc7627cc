#!/usr/bin/env python3
"""The conformance matrix: test case x {reference, shim} for both corpora, from the cell
results of the linux and windows trees. Prints the table, writes matrix.json, matrix.md
and matrix.html (one self-contained page: the compatibility matrix a user opens), and exits
non-zero if any cell is missing or failed (a reference failure counts unless it is a
documented deviation). With --docs DIR, also copies the Markdown and the page there as
compatibility-matrix.md/.html."""
import argparse
import glob
import html as htmlmod
import json
import os
import shutil
import sys

CELLS = {
    "posix": {"reference": "Linux glibc", "shim": "posix-on-win @ Wine"},
    "win32": {"reference": "Win32 @ Wine", "shim": "win-on-posix @ Linux"},
}
MARK = {"pass": "pass", "fail": "FAIL", "deviation": "ref-deviation", None: "not run"}


def expected_tests(source_dir):
    out = []
    for corpus in CELLS:
        for src in sorted(glob.glob(os.path.join(source_dir, "conformance", corpus, "*.c"))):
            out.append((corpus, os.path.splitext(os.path.basename(src))[0]))
    return out


def load(results_dirs):
    cells = {}
    for d in results_dirs:
        for path in glob.glob(os.path.join(d, "*.json")):
            with open(path, encoding="utf-8") as f:
                r = json.load(f)
            cells[(r["corpus"], r["test"], r["cell"])] = r
    return cells


def build(source_dir, results_dirs):
    cells = load(results_dirs)
    rows, problems = [], []
    platforms = {}
    for corpus, test in expected_tests(source_dir):
        by_cell = {c: cells.get((corpus, test, c)) for c in ("reference", "shim")}
        for c, r in by_cell.items():
            if r is None:
                problems.append(f"{corpus}.{test} {c}: no result (cell did not run)")
            else:
                platforms[(corpus, c)] = r["platform"]
        names = []
        for r in by_cell.values():
            for case in (r or {}).get("cases", []):
                if case["case"] not in names:
                    names.append(case["case"])
        for name in names:
            row = {"corpus": corpus, "test": test, "case": name}
            for c, r in by_cell.items():
                found = next((x for x in (r or {}).get("cases", []) if x["case"] == name), None)
                status = found["status"] if found else None
                row[c] = status
                if found and found.get("evidence"):
                    row[c + "_evidence"] = found["evidence"]
                if found and status == "fail":
                    row[c + "_message"] = found.get("message", "")
                if status not in ("pass", "deviation"):
                    problems.append(f"{corpus}.{test}/{name} {c}: {MARK[status]}"
                                    + (f" ({found.get('message', '').splitlines()[0]})"
                                       if found and found.get("message") else ""))
            rows.append(row)
    return rows, problems, platforms


def totals(rows):
    t = {}
    for r in rows:
        for c in ("reference", "shim"):
            k = (r["corpus"], c)
            n = t.setdefault(k, {"pass": 0, "deviation": 0, "fail": 0, "not run": 0, "total": 0})
            n["total"] += 1
            n[r[c] if r[c] in ("pass", "deviation", "fail") else "not run"] += 1
    return t


def markdown(rows, platforms, problems):
    out = ["# Conformance matrix", ""]
    for corpus in CELLS:
        sub = [r for r in rows if r["corpus"] == corpus]
        if not sub:
            continue
        ref = f"reference: {CELLS[corpus]['reference']}"
        shim = f"shim: {CELLS[corpus]['shim']}"
        out += [f"## {corpus} corpus", "",
                f"| test | case | {ref} | {shim} |", "|---|---|---|---|"]
        for r in sub:
            cells = []
            for c in ("reference", "shim"):
                v = MARK[r[c]]
                if r.get(c + "_evidence"):
                    v += f" ({r[c + '_evidence']})"
                cells.append(v)
            out.append(f"| {r['test']} | `{r['case']}` | {cells[0]} | {cells[1]} |")
        out.append("")
    out.append("Platforms: " + "; ".join(f"{k[0]} {k[1]} = {v}" for k, v in sorted(platforms.items())))
    out.append("")
    if problems:
        out += ["## Problems", ""] + [f"- {p}" for p in problems] + [""]
    return "\n".join(out)


STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin-bottom: 2em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.pass { background: #e6f4e6; } td.fail, td.not-run { background: #f9d6d6; }
td.deviation { background: #fff2cc; }
details { font-size: 12px; color: #555; } code { font-size: 13px; }
"""


def html(rows, platforms, problems, t, deviations):
    """The page. Totals are in #totals with data-* counts (the matrix test reads them) and
    every case row carries data-reference/data-shim statuses."""
    e = htmlmod.escape
    out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
           "<title>ipcshim compatibility matrix</title>", f"<style>{STYLE}</style></head><body>",
           "<h1>ipcshim compatibility matrix</h1>",
           "<p>Every conformance case, run against the real thing (reference) and against the "
           "shim. <em>ref-deviation</em>: the reference departs from documented behaviour; the "
           "evidence is given and the case still judges the shim.</p>",
           "<h2>Totals</h2>", "<table id=\"totals\"><tr><th>corpus</th><th>cell</th>"
           "<th>platform</th><th>pass</th><th>deviation</th><th>fail</th><th>not run</th>"
           "<th>total</th></tr>"]
    for (corpus, cell), n in sorted(t.items()):
        out.append(f"<tr data-cell=\"{corpus}.{cell}\" data-pass=\"{n['pass']}\" "
                   f"data-deviation=\"{n['deviation']}\" data-fail=\"{n['fail']}\" "
                   f"data-not-run=\"{n['not run']}\" data-total=\"{n['total']}\">"
                   f"<td>{corpus}</td><td>{cell}</td><td>{e(platforms.get((corpus, cell), '?'))}</td>"
                   f"<td>{n['pass']}</td><td>{n['deviation']}</td><td>{n['fail']}</td>"
                   f"<td>{n['not run']}</td><td>{n['total']}</td></tr>")
    out.append("</table>")
    for corpus in CELLS:
        sub = [r for r in rows if r["corpus"] == corpus]
        if not sub:
            continue
        out.append(f"<h2>{corpus} corpus</h2>")
        families = []
        for r in sub:
            if r["test"] not in families:
                families.append(r["test"])
        out.append("<p>Families: " + ", ".join(f"<a href=\"#{corpus}-{f}\">{f}</a>" for f in families)
                   + "</p>")
        for fam in families:
            fr = [r for r in sub if r["test"] == fam]
            npass = {c: sum(r[c] == "pass" for r in fr) for c in ("reference", "shim")}
            out.append(f"<h3 id=\"{corpus}-{fam}\">{fam} ({npass['reference']}/{len(fr)} reference, "
                       f"{npass['shim']}/{len(fr)} shim pass)</h3>")
            out.append(f"<table><tr><th>case</th><th>reference: {e(CELLS[corpus]['reference'])}</th>"
                       f"<th>shim: {e(CELLS[corpus]['shim'])}</th></tr>")
            for r in fr:
                tds = []
                for c in ("reference", "shim"):
                    st = r[c] or "not run"
                    cls = st.replace(" ", "-")
                    body = e(MARK[r[c]])
                    ev = r.get(c + "_evidence") or (deviations.get((corpus, fam, r["case"]))
                                                    if st == "deviation" else None)
                    if ev:
                        body += f"<details><summary>evidence</summary>{e(ev)}</details>"
                    if r.get(c + "_message"):
                        body += f"<details><summary>message</summary>{e(r[c + '_message'])}</details>"
                    tds.append(f"<td class=\"{cls}\">{body}</td>")
                out.append(f"<tr class=\"case\" data-corpus=\"{corpus}\" data-reference=\"{r['reference'] or 'not run'}\" "
                           f"data-shim=\"{r['shim'] or 'not run'}\"><td><code>{e(r['case'])}</code></td>"
                           + "".join(tds) + "</tr>")
            out.append("</table>")
    if problems:
        out.append("<h2>Problems</h2><ul>" + "".join(f"<li>{e(p)}</li>" for p in problems) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out)


def load_deviations(source_dir):
    path = os.path.join(source_dir, "conformance", "deviations.json")
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except OSError:
        return {}
    return {(x["corpus"], x["test"], x["case"]): x["evidence"] for x in d.get("deviations", [])}


def table(rows, t):
    w_case = max([len(f"{r['test']}/{r['case']}") for r in rows] + [10])
    lines = []
    for corpus in CELLS:
        sub = [r for r in rows if r["corpus"] == corpus]
        if not sub:
            continue
        ref, shim = CELLS[corpus]["reference"], CELLS[corpus]["shim"]
        w_ref = max(len(ref), 13)
        lines.append(f"{corpus.upper() + ' corpus':<{w_case}}  {ref:<{w_ref}}  {shim}")
        lines.append("-" * (w_case + w_ref + len(shim) + 4))
        for r in sub:
            lines.append(f"{r['test'] + '/' + r['case']:<{w_case}}  {MARK[r['reference']]:<{w_ref}}  "
                         f"{MARK[r['shim']]}")
        tr, ts = t[(corpus, "reference")], t[(corpus, "shim")]
        lines.append(f"{'total':<{w_case}}  {str(tr['pass']) + '/' + str(tr['total']) + ' pass':<{w_ref}}  "
                     f"{ts['pass']}/{ts['total']} pass")
        lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--results", action="append", default=[])
    ap.add_argument("--out", required=True)
    ap.add_argument("--docs", help="also copy the Markdown and the page into this directory")
    a = ap.parse_args()
    rows, problems, platforms = build(a.source_dir, a.results)
    t = totals(rows)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "matrix.json"), "w", encoding="utf-8") as f:
        json.dump({"cells": {f"{k[0]}.{k[1]}": v for k, v in t.items()},
                   "platforms": {f"{k[0]}.{k[1]}": v for k, v in platforms.items()},
                   "rows": rows, "problems": problems}, f, indent=2)
    with open(os.path.join(a.out, "matrix.md"), "w", encoding="utf-8") as f:
        f.write(markdown(rows, platforms, problems))
    with open(os.path.join(a.out, "matrix.html"), "w", encoding="utf-8") as f:
        f.write(html(rows, platforms, problems, t, load_deviations(a.source_dir)))
    if a.docs:
        for ext in ("md", "html"):
            shutil.copyfile(os.path.join(a.out, f"matrix.{ext}"),
                            os.path.join(a.docs, f"compatibility-matrix.{ext}"))
    print(table(rows, t))
    for p in problems:
        print("problem:", p)
    print(f"matrix written to {a.out}/matrix.json, matrix.md and matrix.html")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
