#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Validate JSON documents against a JSON Schema, python3 standard library only.

  schema_check.py SCHEMA FILE...     (a FILE of several lines: one document a line)

Implements the part of JSON Schema draft 2020-12 that docs/report.schema.json
uses: type, enum, const, properties, required, additionalProperties, items,
minItems, minimum, maximum, pattern, $ref to "#/$defs/NAME", and the
annotations ($schema, $id, title, description, $comment). A schema with any
other keyword is refused rather than half-checked, so the schema cannot grow a
constraint that nothing tests. Besides the schema, every JSON number must be
an integer that a double holds exactly (|n| < 2^53): the rule of
docs/report-format.md, checked on the parsed text, where Python keeps big
integers exact.
"""
import json
import re
import sys

ANNOTATIONS = {"$schema", "$id", "title", "description", "$comment", "$defs"}
KEYWORDS = ANNOTATIONS | {"type", "enum", "const", "properties", "required", "additionalProperties",
                          "items", "minItems", "minimum", "maximum", "pattern", "$ref"}
LIMIT = 2 ** 53


def json_type_ok(v, t):
    if t == "null":
        return v is None
    if t == "boolean":
        return isinstance(v, bool)
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "string":
        return isinstance(v, str)
    if t == "array":
        return isinstance(v, list)
    if t == "object":
        return isinstance(v, dict)
    raise ValueError("unknown type %r in the schema" % t)


def same(a, b):
    """JSON equality: true is not 1."""
    return type(a) is type(b) and a == b


class Validator:
    def __init__(self, schema):
        self.root = schema
        self.check_keywords(schema, "#")

    def check_keywords(self, s, where):
        if isinstance(s, bool):
            return
        if not isinstance(s, dict):
            raise ValueError("%s: a schema must be an object or a boolean" % where)
        unknown = set(s) - KEYWORDS
        if unknown:
            raise ValueError("%s: keywords this checker does not implement: %s" % (where, sorted(unknown)))
        for name, sub in s.get("$defs", {}).items():
            self.check_keywords(sub, "%s/$defs/%s" % (where, name))
        for name, sub in s.get("properties", {}).items():
            self.check_keywords(sub, "%s/properties/%s" % (where, name))
        for k in ("items", "additionalProperties"):
            if k in s:
                self.check_keywords(s[k], "%s/%s" % (where, k))

    def resolve(self, ref):
        if not ref.startswith("#/"):
            raise ValueError("only local $ref are supported: %r" % ref)
        s = self.root
        for part in ref[2:].split("/"):
            s = s[part.replace("~1", "/").replace("~0", "~")]
        return s

    def errors(self, v, s=None, path="$"):
        s = self.root if s is None else s
        if s is True:
            return []
        if s is False:
            return ["%s: not allowed here" % path]
        errs = []
        if "$ref" in s:
            errs += self.errors(v, self.resolve(s["$ref"]), path)
        if "type" in s:
            types = s["type"] if isinstance(s["type"], list) else [s["type"]]
            if not any(json_type_ok(v, t) for t in types):
                return errs + ["%s: %r is not of type %s" % (path, v, " or ".join(types))]
        if "const" in s and not same(v, s["const"]):
            errs.append("%s: %r is not %r" % (path, v, s["const"]))
        if "enum" in s and not any(same(v, e) for e in s["enum"]):
            errs.append("%s: %r is not one of %r" % (path, v, s["enum"]))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if "minimum" in s and v < s["minimum"]:
                errs.append("%s: %r < minimum %r" % (path, v, s["minimum"]))
            if "maximum" in s and v > s["maximum"]:
                errs.append("%s: %r > maximum %r" % (path, v, s["maximum"]))
        if isinstance(v, str) and "pattern" in s and not re.search(s["pattern"], v):
            errs.append("%s: %r does not match %s" % (path, v, s["pattern"]))
        if isinstance(v, list):
            if "minItems" in s and len(v) < s["minItems"]:
                errs.append("%s: fewer than %d items" % (path, s["minItems"]))
            if "items" in s:
                for i, item in enumerate(v):
                    errs += self.errors(item, s["items"], "%s[%d]" % (path, i))
        if isinstance(v, dict):
            props = s.get("properties", {})
            for k in s.get("required", []):
                if k not in v:
                    errs.append("%s: missing %r" % (path, k))
            for k, item in v.items():
                if k in props:
                    errs += self.errors(item, props[k], "%s.%s" % (path, k))
                elif "additionalProperties" in s:
                    errs += self.errors(item, s["additionalProperties"], "%s.%s" % (path, k))
        return errs


def number_errors(v, path="$"):
    """Every number an integer below 2^53 in magnitude."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return []
    if isinstance(v, float):
        return ["%s: %r is not an integer" % (path, v)]
    if isinstance(v, int):
        return [] if -LIMIT < v < LIMIT else ["%s: %d is not exact in a double" % (path, v)]
    if isinstance(v, list):
        return [e for i, x in enumerate(v) for e in number_errors(x, "%s[%d]" % (path, i))]
    return [e for k, x in v.items() for e in number_errors(x, "%s.%s" % (path, k))]


def check_text(validator, text, name):
    """Errors of every document in @text (one a line)."""
    errs = []
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return ["%s: no JSON document" % name]
    for n, line in enumerate(lines, 1):
        try:
            doc = json.loads(line)
        except ValueError as e:
            errs.append("%s:%d: not JSON: %s" % (name, n, e))
            continue
        errs += ["%s:%d: %s" % (name, n, e) for e in validator.errors(doc) + number_errors(doc)]
    return errs


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[0]) as f:
        validator = Validator(json.load(f))
    bad = 0
    for path in argv[1:]:
        with open(path) as f:
            errs = check_text(validator, f.read(), path)
        for e in errs[:20]:
            print(e, file=sys.stderr)
        bad += bool(errs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
