#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""check_schema.py SCHEMA ERRORS_DIR DIR... - docs/scenario.schema.json against
the scenarios: every .yaml under each DIR must validate, and every file in
ERRORS_DIR marked "# schema: invalid" (a mistake the schema can see, such as
a code entry with both asm and source) must not. Needs python3-yaml and
python3-jsonschema (Debian 12 packages)."""
import glob
import json
import os
import sys

try:
    import jsonschema
    import yaml
except ImportError as e:
    sys.exit(f"check_schema: {e}: install python3-yaml and python3-jsonschema")


def main():
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    fails = checked = 0
    for root in sys.argv[3:]:
        for p in sorted(glob.glob(os.path.join(root, "**", "*.yaml"), recursive=True)):
            checked += 1
            for e in list(v.iter_errors(yaml.safe_load(open(p))))[:3]:
                print(f"FAIL {p}: {'/'.join(map(str, e.path))}: {e.message[:300]}")
                fails += 1
    marked = 0
    for p in sorted(glob.glob(os.path.join(sys.argv[2], "*.yaml"))):
        if b"# schema: invalid" not in open(p, "rb").read():
            continue
        marked += 1
        if v.is_valid(yaml.safe_load(open(p))):
            print(f"FAIL {p}: marked '# schema: invalid' but the schema accepts it")
            fails += 1
    if not checked or not marked:
        print(f"FAIL: checked {checked} scenarios and {marked} invalid files: none?")
        fails += 1
    print(f"check_schema: {checked} scenarios valid, {marked} invalid files rejected, {fails} failures")
    return 1 if fails else 0


sys.exit(main())
