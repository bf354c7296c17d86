#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check a JUnit XML file against the format CI servers read, python3 standard library only.

  junit_check.py FILE.xml

Written for bbmsim from the documented format (the element and attribute
sets of Jenkins' xunit junit-10 schema, which GitLab's reader is a subset of),
stricter where bbmsim promises more:

- well-formed XML in UTF-8; the root is <testsuites>, with only <testsuite>
  children; its attributes among name, time, tests, failures, errors, and
  tests, failures, errors and time present;
- <testsuite>: attributes among those the schema allows, with name, tests,
  failures, errors, skipped and time present; children among testsuite,
  properties, testcase, system-out, system-err;
- <testcase>: attributes among name, classname, time, group, with all of
  name, classname and time; children among failure, error, skipped,
  system-out, system-err, with at most one failure, error or skipped;
- <failure>, <error>, <skipped>: attributes among type and message, text only;
- counts are non-negative integers and agree with the testcases (a suite's
  tests, failures, errors and skipped; the totals of <testsuites>); times are
  non-negative decimals and a suite's time is its testcases' (to rounding);
- stable ids: classname a dotted path (no '/', no '.yaml', no empty part),
  name non-empty, and no two testcases with the same classname and name.

Exit status 0 when the file passes; the problems are printed otherwise.
"""
import re
import sys
import xml.etree.ElementTree as ET

TIME = re.compile(r"^[0-9]+(\.[0-9]+)?$")
COUNT = re.compile(r"^[0-9]+$")
CLASSNAME = re.compile(r"^[^./\s]+(\.[^./\s]+)*$")

SUITES_ATTRS = {"name", "time", "tests", "failures", "errors"}
SUITES_REQUIRED = {"tests", "failures", "errors", "time"}
SUITE_ATTRS = {"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname",
               "id", "package", "file", "log", "url"}
SUITE_REQUIRED = {"name", "tests", "failures", "errors", "skipped", "time"}
SUITE_CHILDREN = {"testsuite", "properties", "testcase", "system-out", "system-err"}
CASE_ATTRS = {"name", "classname", "time", "group"}
CASE_REQUIRED = {"name", "classname", "time"}
CASE_CHILDREN = {"failure", "error", "skipped", "system-out", "system-err"}
RESULT_ATTRS = {"type", "message"}


def attrs_errors(el, where, allowed, required):
    errs = ["%s: attribute %r is not in the schema" % (where, a) for a in sorted(set(el.attrib) - allowed)]
    errs += ["%s: no %r attribute" % (where, a) for a in sorted(required - set(el.attrib))]
    for a in ("tests", "failures", "errors", "skipped"):
        if a in el.attrib and not COUNT.match(el.attrib[a]):
            errs.append("%s: %s=%r is not a count" % (where, a, el.attrib[a]))
    if "time" in el.attrib and not TIME.match(el.attrib["time"]):
        errs.append("%s: time=%r is not a decimal number of seconds" % (where, el.attrib["time"]))
    return errs


def num(el, a, conv=int):
    try:
        return conv(el.attrib.get(a, "0"))
    except ValueError:
        return None


def check_case(case, where, ids):
    errs = attrs_errors(case, where, CASE_ATTRS, CASE_REQUIRED)
    cls, name = case.attrib.get("classname", ""), case.attrib.get("name", "")
    if not CLASSNAME.match(cls) or cls.endswith((".yaml", ".yml")) or "/" in cls:
        errs.append("%s: classname %r is not a dotted path without extension" % (where, cls))
    if not name.strip():
        errs.append("%s: empty name" % where)
    if (cls, name) in ids:
        errs.append("%s: a second testcase %s / %s" % (where, cls, name))
    ids.add((cls, name))
    results = []
    for ch in case:
        w = "%s/%s" % (where, ch.tag)
        if ch.tag not in CASE_CHILDREN:
            errs.append("%s: element not in the schema" % w)
            continue
        if ch.tag in ("failure", "error", "skipped"):
            results.append(ch.tag)
            errs += attrs_errors(ch, w, RESULT_ATTRS, set())
        if len(ch):
            errs.append("%s: holds elements; text only" % w)
    if len(results) > 1:
        errs.append("%s: %s: more than one result" % (where, ", ".join(results)))
    return errs, (results[0] if results else "pass")


def check_suite(suite, where, ids):
    """Errors, and the totals (tests, failures, errors, skipped, time) of the testcases below."""
    errs = attrs_errors(suite, where, SUITE_ATTRS, SUITE_REQUIRED)
    tot = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    own = dict(tot)
    for i, ch in enumerate(suite):
        w = "%s/%s[%d]" % (where, ch.tag, i)
        if ch.tag not in SUITE_CHILDREN:
            errs.append("%s: element not in the schema" % w)
        elif ch.tag == "testcase":
            e, res = check_case(ch, w, ids)
            errs += e
            own["tests"] += 1
            own["time"] += num(ch, "time", float) or 0.0
            key = {"failure": "failures", "error": "errors", "skipped": "skipped"}.get(res)
            if key:
                own[key] += 1
        elif ch.tag == "testsuite":
            e, sub = check_suite(ch, w, ids)
            errs += e
            for k in tot:
                tot[k] += sub[k]
    for k in ("tests", "failures", "errors", "skipped"):
        if num(suite, k) != own[k] + tot[k]:
            errs.append("%s: %s=%s, but it holds %d" % (where, k, suite.attrib.get(k), own[k] + tot[k]))
    t = num(suite, "time", float)
    n = own["tests"]
    if n and t is not None and abs(t - own["time"]) > 0.0006 * (n + 1):
        errs.append("%s: time=%s, but its testcases took %.3f" % (where, suite.attrib.get("time"), own["time"]))
    for k in tot:
        tot[k] += own[k]
    return errs, tot


def check(path):
    """The problems of the JUnit file at @path, and its parsed root (None if it did not parse)."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return ["not UTF-8: %s" % e], None
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        return ["not well-formed XML: %s" % e], None
    if root.tag != "testsuites":
        return ["the root is <%s>, not <testsuites>" % root.tag], root
    errs = attrs_errors(root, "testsuites", SUITES_ATTRS, SUITES_REQUIRED)
    ids = set()
    tot = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for i, suite in enumerate(root):
        w = "testsuites/%s[%d]" % (suite.tag, i)
        if suite.tag != "testsuite":
            errs.append("%s: only <testsuite> may be in <testsuites>" % w)
            continue
        e, sub = check_suite(suite, w, ids)
        errs += e
        for k in tot:
            tot[k] += sub[k]
    for k in ("tests", "failures", "errors"):
        if num(root, k) != tot[k]:
            errs.append("testsuites: %s=%s, but the suites hold %d" % (k, root.attrib.get(k), tot[k]))
    t = num(root, "time", float)
    if t is not None and abs(t - tot["time"]) > 0.0006 * (tot["tests"] + 1):
        errs.append("testsuites: time=%s, but its testcases took %.3f" % (root.attrib.get("time"), tot["time"]))
    if not ids:
        errs.append("no testcase")
    return errs, root


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    errs, _ = check(argv[0])
    for e in errs[:30]:
        print("%s: %s" % (argv[0], e), file=sys.stderr)
    if not errs:
        print("%s: ok" % argv[0])
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
