"""Random Go regexps for the differential table ``tests/unit/golang/go119_regexp_random.jsonl``.

Run: ``python3 random_patterns.py 1 2000 | ./regexp-oracle > go119_regexp_random.jsonl`` (seed 1,
2,000 patterns; the oracle is ``main.go`` here, built with Go 1.19). Atoms include constructs Go
refuses, so the table covers error texts as well as spans and ``Expand``. Not run by the tests.
"""

import json
import random
import sys

rng = random.Random(int(sys.argv[1]))
ATOMS = [
    "a",
    "b",
    "ab",
    ".",
    "\\d",
    "\\w",
    "\\s",
    "[a-c]",
    "[^a]",
    "[[:alpha:]]",
    "\\pL",
    "\\p{Greek}",
    "\\PN",
    "^",
    "$",
    "\\b",
    "\\B",
    "\\A",
    "\\z",
    "\\x41",
    "\\x{62}",
    "\\Q.*\\E",
    "\\.",
    "{",
    "}",
    "a{01}",
    "\\C",
    "\\Z",
    "\\1",
    "(?i)",
    "(?s)",
    "(?m)",
    "(?U)",
    "(?-i)",
    "(?i-s)",
    "[]a]",
    "[a-]",
    "[\\d-z]",
    "\\e",
    "\\8",
    "[z-a]",
    "\\x{110000}",
    "\\p{Foo}",
    "(?P<n>a)",
    "(?P<n>c)",
    "(?!a)",
    "(?=a)",
    "\\",
    "[a",
    "[",
    "]",
    "|",
    "k",
    "K",
    "-",
    "_",
    "0",
    "9",
]
REPS = [
    "*",
    "+",
    "?",
    "*?",
    "+?",
    "??",
    "{2}",
    "{1,3}",
    "{0,}",
    "{2,}?",
    "{0}",
    "{1000}",
    "{1001}",
    "{3,2}",
    "{,2}",
    "",
]


def gen(depth=0):
    parts = []
    for _ in range(rng.randint(1, 4)):
        r = rng.random()
        if r < 0.2 and depth < 4:
            opener = rng.choice(["(", "(?:", "(?i:", "(?P<g>", "(?U:"])
            inner = gen(depth + 1)
            if rng.random() < 0.3:
                inner += "|" + gen(depth + 1)
            x = opener + inner + ")"
        else:
            x = rng.choice(ATOMS)
        x += rng.choice(REPS) if rng.random() < 0.4 else ""
        if rng.random() < 0.05:
            x += rng.choice(REPS)
        parts.append(x)
    return "".join(parts)


SUBJ = [
    "",
    "a",
    "ab",
    "aab",
    "abc",
    "ABC",
    "xa1 b",
    "a.b",
    "a\nb",
    "{",
    "a{01}",
    "k",
    "Kk",
    "aaaa",
    "-_09",
    "ba",
    ".*",
    "b\n",
]
seen = set()
while len(seen) < int(sys.argv[2]):
    p = gen()
    if p in seen:
        continue
    seen.add(p)
    s = rng.choice(SUBJ)
    t = rng.choice(["$1", "${n}", "$n$1", "x$0y", "$$", "$2"])
    print(json.dumps([p, s, t]))
