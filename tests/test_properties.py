"""Invariants over arbitrary text, checked with hypothesis.

- the analyzer never raises, and every token's offsets slice the input;
- parse_query raises nothing but QueryError (EmptyQuery is one);
- any query string through the CLI ends with exit status 0, 1 or 2, never a traceback;
- a batch of N arbitrary lines gets N answer lines, in order, each a result or an error,
  and exits 1 exactly when one is an error;
- an article read from JSON Lines comes back from the index unchanged;
- text for a terminal never carries an escape or control character.

Example counts are kept modest so the suite stays in minutes on two cores.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cli import main
from index.analysis import german_analyzer
from index.build import index_paths
from index.schema import build_schema
from index.store import IndexStore
from search.query import parse_query
from search.errors import QueryError
from search.render import clean_terminal, marked_text, safe_json
from search.results import Snippet

# German letters, the characters that carry meaning in analysis (hyphens, soft
# hyphens, gender marks, apostrophes) and in queries (quotes, brackets,
# operators, wildcards, field names), and terminal controls.
GERMAN = st.sampled_from(list("aäbcdeéfghijklmnoöpqrsßtuüvwxyzAÄBCDEFGHIJKLMNOÖPQRSTUÜVWXYZ"
                              "0123456789      \n\t-–—\xad\u200b\u200d\ufeff'’*:_/.,;!?"
                              "\"„“()[]{}~^+&|\\\x1b\x07\x00\x9b"))
WORDS = st.sampled_from(["die", "und", "der", "Lehrer", "Gewerkschaft", "CDU-Chef", "Bär",
                         "Bürger*innen", "AND", "OR", "NOT", "title:", "*", '"', "(", ")",
                         "Straße", "Hauptbahnhöfe", "Mehrfachraketenwerfer", "-", "~", "?"])
GERMANISH = st.one_of(
    st.text(GERMAN, max_size=80),
    st.lists(WORDS, max_size=12).map(" ".join),
    st.text(max_size=60),
)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ analysis

@SETTINGS
@given(GERMANISH)
@example("Bürger*innen und Lehrer:innen im Hauptbahn\xadhof")
@example("\ufeff\u200d--\xad")
def test_analyzer_never_raises_and_offsets_slice_the_input(text):
    for token in german_analyzer()(text, positions=True, chars=True):
        assert 0 <= token.startchar < token.endchar <= len(text), (token.startchar,
                                                                    token.endchar)
        assert text[token.startchar:token.endchar].strip(), repr(token.text)
        assert token.text


# ------------------------------------------------------------------ queries

SCHEMA = build_schema()


@SETTINGS
@given(GERMANISH)
@example('"unbalanced')
@example("((Lehrer")
@example("AND")
@example("*")
@example("die und der")
@example("title:(")
@example("NOT NOT -")
@example("Lehrer " * 2500)
def test_parse_query_raises_only_query_errors(text):
    try:
        parsed = parse_query(text, SCHEMA)
    except QueryError as exc:
        assert str(exc)
        return
    assert parsed.query is not None


@pytest.fixture(scope="module")
def searchable(corpus_index):
    from search import SearchEngine

    with SearchEngine(corpus_index) as engine:
        yield engine


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(GERMANISH)
def test_any_query_gives_results_or_a_query_error(searchable, text):
    try:
        results = searchable.search(text, limit=3, snippets=1, facets=3)
    except QueryError:
        return
    assert results.total >= len(results.hits)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(GERMANISH)
def test_any_query_through_the_cli_exits_0_1_or_2(corpus_index, text):
    r = CliRunner().invoke(main, ["--index", corpus_index, "search", text])
    assert r.exit_code in (0, 1, 2), r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.stdout + r.stderr
    if r.exit_code == 0:
        assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    else:
        assert r.stdout == "" and r.stderr.startswith(("Error: ", "Usage: "))
        assert len(r.stderr.strip().splitlines()[-1]) < 400


HOSTILE = ['"Corona-Krise', "(Lehrer OR", "Lehrer)", "AND", "OR NOT", "NOT", "*", "?",
           "title:", "title:(", "~", "((((", "die und der", "Lehrer" + " Gewerkschaft" * 2000,
           "x" * 10_000, "\x1b]0;pwned\x07", "Bär*", "-Lehrer", "+", "^2"]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:20]))
def test_hostile_queries_in_a_real_process(corpus_index, query):
    p = subprocess.run([sys.executable, "-m", "cli", "--index", corpus_index, "search", "--",
                        query], capture_output=True, text=True, timeout=60)
    assert p.returncode in (0, 1, 2)
    assert "Traceback" not in p.stderr and "unexpected" not in p.stderr, p.stderr
    assert "\x1b" not in p.stdout + p.stderr


# A batch line: a query (as JSON) or, now and then, a raw line that may not be JSON at all.
BATCH_LINE = st.one_of(
    GERMANISH.map(lambda text: ("query", text)),
    GERMANISH.map(lambda text: ("query", text)),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
            max_size=40).map(lambda raw: ("raw", raw)),
)


def _expected_id(raw):
    try:
        item = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return item.get("id") if isinstance(item, dict) else None


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(BATCH_LINE, max_size=15))
@example([("query", "date:{:a"), ("query", "{:a"), ("raw", ""), ("query", "[a TO c]"),
          ("query", "Lehrer"), ("raw", "[[[["), ("query", "nosuchfield:wort\x00\u202e")])
@example([("query", "Lehrer"), ("query", "Rakete")])
@example([("query", "Gewerkschaft~9")])  # ran for minutes and took 8 GB before edits were capped
@example([])
def test_a_batch_of_n_lines_gets_n_answers_in_order(corpus_index, items):
    lines = [json.dumps({"id": i, "text": value}, ensure_ascii=False) if kind == "query"
             else value for i, (kind, value) in enumerate(items)]
    data = "".join(line + "\n" for line in lines)
    r = CliRunner().invoke(main, ["--index", corpus_index, "search", "--batch", "-"],
                           input=data.encode("utf-8"))
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    out = r.stdout.splitlines()
    assert len(out) == len(lines), (lines, out)
    answers = [json.loads(line) for line in out]
    failed = 0
    for n, (line, answer) in enumerate(zip(lines, answers), 1):
        assert answer["id"] == _expected_id(line)
        if "error" in answer:
            failed += 1
            assert set(answer) == {"id", "line", "error"} and answer["line"] == n
            assert set(answer["error"]) == {"kind", "message"}
            assert answer["error"]["kind"] != "internal", answer
            assert answer["error"]["message"] and "Traceback" not in answer["error"]["message"]
        else:
            assert answer["total"] >= len(answer["hits"])
    assert r.exit_code == (1 if failed else 0)
    assert "Traceback" not in r.stderr


def test_stop_words_only_says_so(corpus_index):
    r = CliRunner().invoke(main, ["--index", corpus_index, "search", "die und der"])
    assert r.exit_code == 1 and r.stdout == ""
    assert "only German stop words" in r.stderr


# ------------------------------------------------------------------ ingest → get

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
ARTICLE = st.fixed_dictionaries(
    {"id": st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)
           .filter(lambda s: s.strip()),
     "text": TEXT.filter(lambda s: s != ""),
     "title": TEXT},
    optional={"date": st.dates(min_value=__import__("datetime").date(1900, 1, 1))
                        .map(lambda d: d.isoformat()),
              "source": TEXT, "url": TEXT,
              "rubrik": st.one_of(TEXT, st.integers(), st.lists(TEXT, max_size=3))})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ARTICLE, min_size=1, max_size=4, unique_by=lambda a: a["id"]))
@example([{"id": "x", "text": "Der Bär\x00 \x1b[31mrot\r\nStraße\u2028Ende", "title": ""}])
def test_ingest_then_get_returns_the_article_unchanged(articles):
    folder = tempfile.mkdtemp()
    try:
        path = os.path.join(folder, "a.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for a in articles:
                f.write(json.dumps(a, ensure_ascii=False) + "\n")
        summary = index_paths(os.path.join(folder, "ix"), [path], entities=False, procs=1)
        assert summary.failed == 0 and summary.added == len(articles), summary.problems
        store = IndexStore.open(os.path.join(folder, "ix"))
        for a in articles:
            got = store.get(a["id"]).to_dict()
            want = {"source": "", "url": "", "date": None, **a}
            assert got == want
    finally:
        shutil.rmtree(folder)


# ------------------------------------------------------------------ output

@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
@example("Rot\x1b[31m Alarm\x07 \x1b]0;pwned\x07ok\x9b2J\u202eabc")
def test_terminal_text_never_carries_controls(text):
    clean = clean_terminal(text)
    assert not any(c in clean for c in "\x1b\x07\x08\x00\x9b\x7f\u202e")
    assert all(c in "\n\t" or ord(c) >= 0x20 for c in clean)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120), st.data())
def test_snippet_marking_never_carries_controls(text, data):
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=4, unique=True)))
    matches = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    out = marked_text(Snippet(text=text, matches=matches, leading=False, trailing=False))
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.text() | st.integers(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)))
def test_json_output_is_the_same_data_without_raw_controls(data):
    try:
        out = safe_json(data)
    except UnicodeEncodeError:
        return
    assert json.loads(out) == data
    assert not any(0x7f <= ord(c) <= 0x9f or ord(c) < 0x20 for c in out)
