"""Hostile query fuzz: N random query strings through one `fundstelle search --batch` run.

The strings mix German words (umlauts, ß, compounds) with query syntax and the
characters that break parsers: quotes, brackets, braces, ``title:``, ``date:``,
unknown fields, ranges, ``*``, ``~``, ``^``, ``?``, NUL and other controls, RTL
marks and overrides, zero-width characters, soft hyphens, very long words,
unbalanced parentheses, ``AND``/``OR``/``NOT`` at either end. The seed fixes them.

Prints lines in, lines out, whether every answer is valid JSON with the id of its
line in order, the exit status, and the errors by kind. Exits 1 when a line went
unanswered or out of order, or when any answer is an ``internal`` error (a bug).

    .venv/bin/python bench/query_fuzz.py                  # 1,000 lines on samples/
    .venv/bin/python bench/query_fuzz.py --count 5000 --seed 7 --index /work/data/fang-index
"""

import argparse
import collections
import json
import pathlib
import random
import resource
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

WORDS = ["Lehrer", "Gewerkschaft", "Hochwasser", "Passau", "Rakete", "Raketenwerfer",
         "Mehrfachraketenwerfer", "Söder", "Bär", "Straße", "Grüße", "Köln", "Koeln",
         "München", "Österreich", "Übergröße", "Bürger*innen", "Lehrer:innen", "CDU-Chef",
         "Corona-Krise", "die", "und", "der", "nicht", "Wann", "Wie viele", "Impfstoff",
         "Hauptbahnhöfe", "2020", "12:30", "3,5", "Inflation", "Festspiele", "ÄÖÜäöüß",
         "x", "e", "Kita", "Kitas", "Ma?er", "https://example.com/a?b=c"]
SYNTAX = ['"', '"', "(", ")", "((", "))", "[", "]", "{", "}", "{:a", "[2020 TO x]",
          "{a TO b}", "[a TO]", "[TO]", "title:", "title:", "body:", "date:", "date:{:a",
          "date:[2020 TO 2021]", "Title:", "nosuchfield:", "persons:", "places:", "id:",
          "text_z:", "url:", "*", "*:*", "~", "~2", "^", "^2", "?", "??", "-", "+", "!",
          ":", "::", "\\", "/", "'", "''", "„", "“", "’", "AND", "OR", "NOT", "ANDNOT",
          "ANDMAYBE", "TO", "&&", "||", "<", ">", "=", "%", "#", "@", "$"]
ODD = ["\x00", "\x01", "\x07", "\x1b", "\x1b[31m", "\x7f", "\x9b", "\t", "\r", "\n",
       "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\xad", "\u200e", "\u200f",
       "\u202b", "\u202e", "\u2066", "\u2069", "\u2028", "\u2029", "\ufffd", "\U0001f600",
       "\u0301", "שלום", "سلام", "日本", "\ud7ff"]
OPERATORS = ["AND", "OR", "NOT", "AND NOT", "OR NOT"]


def long_word(rng):
    """A word of 100 to 20,000 letters, sometimes one letter repeated, sometimes hyphenated."""
    n = rng.choice([100, 300, 1000, 5000, 20_000])
    if rng.random() < 0.3:
        return rng.choice("aäeößz") * n
    word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzäöüß") for _ in range(n))
    if rng.random() < 0.3:
        word = "-".join(word[i:i + 7] for i in range(0, len(word), 7))
    return word


def piece(rng):
    """One token of a query: a word, syntax, an odd character, or a word with syntax attached."""
    r = rng.random()
    if r < 0.35:
        return rng.choice(WORDS)
    if r < 0.60:
        return rng.choice(SYNTAX)
    if r < 0.75:
        return rng.choice(ODD)
    if r < 0.78:
        return long_word(rng)
    word = rng.choice(WORDS)
    mark = rng.choice(SYNTAX + ODD)
    return rng.choice([mark + word, word + mark, word[:2] + mark + word[2:]])


def query(rng):
    """A random query string (about one in ten empty or nearly so)."""
    n = rng.choice([0, 1, 1, 2, 3, 4, 6, 10, 25])
    parts = [piece(rng) for _ in range(n)]
    if rng.random() < 0.2:
        parts.insert(0, rng.choice(OPERATORS))
    if rng.random() < 0.2:
        parts.append(rng.choice(OPERATORS))
    sep = rng.choice([" ", " ", " ", "", "  ", "\u00a0"])
    return sep.join(parts)


def queries(count, seed):
    rng = random.Random(seed)
    return [query(rng) for _ in range(count)]


def samples_index(folder):
    """An index of the bundled samples (without entities, for speed) in ``folder``."""
    path = pathlib.Path(folder) / "samples-index"
    subprocess.run([sys.executable, "-m", "cli", "--index", str(path), "index", "--no-entities",
                    str(ROOT / "samples")], cwd=ROOT, check=True, capture_output=True)
    return str(path)


def _kind(answer):
    """An error line's kind; builds before issue 16 gave the error as a bare string."""
    error = answer["error"]
    return error["kind"] if isinstance(error, dict) else "(unstructured)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000, help="query lines (default 1000)")
    ap.add_argument("--seed", type=int, default=16, help="random seed (default 16)")
    ap.add_argument("--index", help="index to search (default: samples/ indexed afresh)")
    ap.add_argument("--show", type=int, default=3, help="example messages shown per kind")
    args = ap.parse_args()

    texts = queries(args.count, args.seed)
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index or samples_index(tmp)
        started = time.perf_counter()
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run([sys.executable, "-m", "cli", "--index", index, "search",
                            "--batch", "-"], input="\n".join(lines).encode("utf-8") + b"\n",
                           cwd=ROOT, capture_output=True)
        seconds = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime + cpu_after.ru_stime
               - cpu_before.ru_utime - cpu_before.ru_stime)

    out = p.stdout.decode("utf-8").splitlines()
    answers, bad_json = [], 0
    for line in out:
        try:
            answers.append(json.loads(line))
        except ValueError:
            bad_json += 1
            answers.append({})
    in_order = [a.get("id") for a in answers] == list(range(len(texts)))
    kinds = collections.Counter(_kind(a) for a in answers if "error" in a)
    examples = collections.defaultdict(list)
    for a in answers:
        if "error" in a and len(examples[_kind(a)]) < args.show:
            message = a["error"]["message"] if isinstance(a["error"], dict) else a["error"]
            examples[_kind(a)].append((texts[a["id"]], message))
    answered = sum(1 for a in answers if "hits" in a and "error" not in a)
    hits = sum(1 for a in answers if a.get("total"))

    print(f"index:          {index if args.index else 'samples/ (fresh)'}")
    print(f"seed:           {args.seed}")
    print(f"lines in:       {len(texts):,}")
    print(f"lines out:      {len(out):,}  (valid JSON: {len(out) - bad_json:,}; "
          f"ids in input order: {'yes' if in_order else 'NO'})")
    print(f"results:        {answered:,}  ({hits:,} with hits)")
    print(f"errors:         {sum(kinds.values()):,}")
    for kind, n in kinds.most_common():
        print(f"  {kind:<14}{n:>6,}")
    print(f"exit status:    {p.returncode}")
    stderr = p.stderr.decode("utf-8", "replace").strip()
    print(f"stderr:         {stderr.splitlines()[-1] if stderr else '(empty)'}"
          f"{'  [Traceback!]' if 'Traceback' in stderr else ''}")
    print(f"time:           {seconds:.1f} s wall, {cpu:.1f} CPU-s "
          f"({1000 * cpu / max(len(texts), 1):.1f} CPU-ms a line)")
    for kind, items in sorted(examples.items()):
        print(f"\n{kind}:")
        for text, message in items:
            print(f"  {text[:60]!r}\n    -> {message[:200]}")

    ok = (len(out) == len(texts) and in_order and not bad_json and "internal" not in kinds
          and p.returncode == (1 if kinds else 0) and "Traceback" not in stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
