#!/usr/bin/env python3
"""Sums the TRX files of one `dotnet test` run and checks its skips against tests/allowed-skips.txt.

Prints one closing line (passed, failed, skipped), every skipped test with its reason, and the
allow-list; exits 1 when a test was skipped that no rule allows, or when no test ran at all.
Usage: test-summary.py <folder with .trx files> <allow-list file>
"""
import pathlib
import re
import sys
import xml.etree.ElementTree as ElementTree

TRX = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"


def read_rules(path):
    rules = []
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, _, why = line.partition(" | ")
        rules.append((re.compile(pattern.strip()), why.strip()))
    return rules


def read_results(folder):
    results = []
    for trx in sorted(pathlib.Path(folder).glob("*.trx")):
        root = ElementTree.parse(trx).getroot()
        for result in root.iter(f"{TRX}UnitTestResult"):
            message = result.find(f"{TRX}Output/{TRX}ErrorInfo/{TRX}Message")
            stdout = result.find(f"{TRX}Output/{TRX}StdOut")
            reason = message.text if message is not None and message.text else (stdout.text if stdout is not None and stdout.text else "")
            results.append((result.get("testName"), result.get("outcome"), reason.strip()))
    return results


def main(folder, allow_list):
    rules = read_rules(allow_list)
    results = read_results(folder)
    passed = sum(1 for _, outcome, _ in results if outcome == "Passed")
    failed = sum(1 for _, outcome, _ in results if outcome == "Failed")
    skipped = [(name, reason) for name, outcome, reason in results if outcome not in ("Passed", "Failed")]
    print(f"tests: {passed} passed, {failed} failed, {len(skipped)} skipped")
    print(f"allowed skips ({allow_list}):")
    for pattern, why in rules:
        print(f"  /{pattern.pattern}/  {why}")
    if not rules:
        print("  (none)")
    refused = []
    for name, reason in skipped:
        text = f"{name}: {reason}"
        allowed = next((why for pattern, why in rules if pattern.search(text)), None)
        print(f"  skipped {'(allowed) ' if allowed else '(NOT ALLOWED) '}{text}")
        if allowed is None:
            refused.append(text)
    if not results:
        print("no test results found: the test run did not write its TRX files")
        return 1
    if refused:
        print(f"{len(refused)} skipped test(s) are not on the allow-list; a skip in CI is a failure.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
