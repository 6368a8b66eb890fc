#!/usr/bin/python3
"""JMESPath oracle for coldvault's --query evaluator (docs/jmespath.md).

Runs every case of corpus.json through our evaluator (the jmespath_driver executable), through
Debian's python-jmespath (az's own evaluator, so the reference) and through jp (jp 0.2.1, Go).
Prints a per-class summary: class, cases, agree with python, agree with jp.

Fails (exit 1) when we disagree with python-jmespath on a case the corpus does not mark
`python_differs`, or when a marked case no longer gives its recorded `expect`. jp's disagreements are
listed, never fatal: jp 0.2.1 is old and wrong in places.
Agreement: both give an error, or both give the same JSON value (with python, an integer and a
float are different values, as they print differently; with jp, Go prints 2.0 as 2, so numbers
compare by value, and lists built from an object's values compare in any order).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import jmespath


def sorted_object(pairs):
    # nlohmann::json keeps object keys sorted; give python the same order so keys()/values() compare.
    return dict(sorted(pairs))


def same(a, b, strict_numbers):
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b and (not strict_numbers or type(a) is type(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, strict_numbers) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], strict_numbers) for k in a)
    return type(a) is type(b) and a == b


ERROR = object()

# An object's values come in no specified order; jp (Go maps) gives a random one. For expressions
# iterating over an object (a `*` that is not `[*]`, keys(), values()), jp's answer is compared
# with every list sorted, so its agreement count does not change from run to run.
OBJECT_ORDER = re.compile(r"(?<!\[)\*|\bkeys\(|\bvalues\(")


def canon(v):
    if isinstance(v, list):
        items = [canon(x) for x in v]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True))
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items()}
    return v


def python_result(expr, doc):
    try:
        r = jmespath.search(expr, doc)
        # Round-trip so the value is plain JSON (an expression reference, say, is not).
        return json.loads(json.dumps(r), object_pairs_hook=sorted_object)
    except Exception:  # any exception, JMESPathError or TypeError, is an error result
        return ERROR


def jp_result(jp, expr, doc_file):
    p = subprocess.run([jp, "-c", "-f", doc_file, expr], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        return ERROR
    try:
        return json.loads(p.stdout, object_pairs_hook=sorted_object)
    except ValueError:
        return ERROR


def show(v):
    if v is ERROR:
        return "error"
    text = json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--jp", default=shutil.which("jp") or "/usr/bin/jp")
    args = ap.parse_args()

    with open(args.corpus, encoding="utf-8") as f:
        corpus = json.load(f, object_pairs_hook=sorted_object)
    docs = corpus["docs"]
    cases = [(c["class"], case) for c in corpus["classes"] for case in c["cases"]]

    with tempfile.TemporaryDirectory() as tmp:
        doc_files = {}
        for name, doc in docs.items():
            doc_files[name] = os.path.join(tmp, name + ".json")
            with open(doc_files[name], "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
        cases_file = os.path.join(tmp, "cases.json")
        with open(cases_file, "w", encoding="utf-8") as f:
            json.dump([{"doc": docs[c["doc"]], "expr": c["expr"]} for _, c in cases], f, ensure_ascii=False)
        out = subprocess.run([args.driver, cases_file], capture_output=True, text=True, check=True)
        ours = []
        for line in out.stdout.splitlines():
            r = json.loads(line, object_pairs_hook=sorted_object)
            ours.append(ERROR if "error" in r else r["result"])
        if len(ours) != len(cases):
            sys.exit(f"oracle: the driver answered {len(ours)} of {len(cases)} cases")

        have_jp = os.path.exists(args.jp)
        summary = {}  # class -> [cases, agree python, agree jp, known python differences]
        failures, known, jp_diffs = [], [], []
        for (cls, case), mine in zip(cases, ours):
            row = summary.setdefault(cls, [0, 0, 0, 0])
            row[0] += 1
            expr = case["expr"]
            py = python_result(expr, docs[case["doc"]])
            agree_py = (py is ERROR and mine is ERROR) or (
                py is not ERROR and mine is not ERROR and same(py, mine, True))
            row[1] += agree_py
            if "python_differs" in case:
                row[3] += 1
                expect = ERROR if case["expect"] == "error" else case["expect"]
                ok = (expect is ERROR and mine is ERROR) or (
                    expect is not ERROR and mine is not ERROR and same(expect, mine, True))
                known.append(f"  {cls}: {expr!r} [{case['doc']}] ours={show(mine)} python={show(py)}: "
                             f"{case['python_differs']}")
                if not ok:
                    failures.append(f"  {cls}: {expr!r} [{case['doc']}] ours={show(mine)} but the corpus "
                                    f"expects {show(expect)}")
            elif not agree_py:
                failures.append(f"  {cls}: {expr!r} [{case['doc']}] ours={show(mine)} python={show(py)}")
            if have_jp:
                j = jp_result(args.jp, expr, doc_files[case["doc"]])
                agree_jp = (j is ERROR and mine is ERROR) or (
                    j is not ERROR and mine is not ERROR and same(j, mine, False))
                if not agree_jp and j is not ERROR and mine is not ERROR and OBJECT_ORDER.search(expr):
                    agree_jp = same(canon(j), canon(mine), False)
                row[2] += agree_jp
                if not agree_jp:
                    jp_diffs.append(f"  {cls}: {expr!r} [{case['doc']}] ours={show(mine)} jp={show(j)} "
                                    f"python={show(py)}")

    print(f"{'class':<24} {'cases':>5} {'python':>7} {'jp':>5} {'known':>5}")
    total = [0, 0, 0, 0]
    for cls, row in summary.items():
        print(f"{cls:<24} {row[0]:>5} {row[1]:>7} {row[2] if have_jp else '-':>5} {row[3]:>5}")
        total = [t + r for t, r in zip(total, row)]
    print(f"{'total':<24} {total[0]:>5} {total[1]:>7} {total[2] if have_jp else '-':>5} {total[3]:>5}")
    if known:
        print(f"\nknown differences from python-jmespath ({len(known)}, the specification decides):")
        print("\n".join(known))
    if have_jp:
        print(f"\njp disagreements ({len(jp_diffs)}, recorded, not fatal):")
        print("\n".join(jp_diffs))
    else:
        print("\njp not installed: its column is skipped")
    if failures:
        print(f"\nFAIL: {len(failures)} unexpected disagreement(s) with python-jmespath:")
        print("\n".join(failures))
        return 1
    print("\noracle: no unexpected disagreement with python-jmespath")
    return 0


if __name__ == "__main__":
    sys.exit(main())
