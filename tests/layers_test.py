#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""layers_test.py SRCDIR - the machine's files call down only.

docs/design.md, "The machine's files": sim/machine.c is the glue and each
room below it is a file; a file may call the non-static functions of files
of a lower rank only, so no two files call each other. This reads the
sources, finds every non-static function each file defines and every use of
it in another of the files, and fails on a use that is not downward.
"""
import re
import sys

RANK = {'machine': 5, 'sysexec': 4, 'pe': 3, 'xlat': 3, 'mirror': 2, 'walker': 1}
DEF = re.compile(r'^(static )?[\w \*]*?\b(\w+)\([^;{]*?\)\n\{', re.M | re.S)


def strip_comments(text):
    return re.sub(r'/\*.*?\*/|//[^\n]*', '', text, flags=re.S)


def main():
    root = sys.argv[1]
    src = {f: strip_comments(open(f'{root}/sim/{f}.c').read()) for f in RANK}
    defs = {}
    for f, text in src.items():
        for m in DEF.finditer(text):
            if not m.group(1):
                defs[m.group(2)] = f
    bad = []
    edges = set()
    for f, text in src.items():
        for name, g in defs.items():
            if g == f or not re.search(r'\b' + name + r'\b', text):
                continue
            edges.add((f, g))
            if RANK[g] >= RANK[f]:
                bad.append(f'sim/{f}.c uses {name} of sim/{g}.c (rank {RANK[f]} -> {RANK[g]}): not downward')
    for line in bad:
        print(line)
    print(f'{len(edges)} file-to-file call edges, {len(bad)} not downward')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
