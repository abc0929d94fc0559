"""The command line through Click's CliRunner: output, formats, streams, exit codes."""

import json

import pytest
from click.testing import CliRunner

from cli import main
from conftest import CORPUS, SEED


@pytest.fixture
def run(corpus_index):
    runner = CliRunner()

    def invoke(*args, index=corpus_index, input=None, env=None):
        return runner.invoke(main, ["--index", index, *args], input=input, env=env or {},
                             catch_exceptions=False)

    return invoke


def test_search_text_marks_matches_in_a_pipe_and_keeps_stdout_clean(run):
    r = run("search", "Lehrer Gewerkschaft")
    assert r.exit_code == 0
    assert "\x1b[" not in r.stdout
    first = r.stdout.split("\n  2.")[0]
    assert "06_gew-lehrer-schulstart" in first
    assert "[[Lehrer]]" in r.stdout and "[[Gewerkschaft]]" in r.stdout
    assert r.stderr == ""


def test_search_json_shape(run):
    r = run("search", "Rakete", "--format", "json")
    data = json.loads(r.stdout)
    assert set(data) >= {"query", "total", "hits", "facets", "offset", "limit", "suggestions"}
    hit = data["hits"][0]
    assert hit["id"] == "02_nordkorea-raketen" and hit["rank"] == 1 and hit["score"] > 0
    assert set(hit) >= {"title", "date", "date_precision", "source", "url", "snippets",
                        "persons", "places", "title_matches"}
    snip = hit["snippets"][0]
    s, e = snip["matches"][0]
    assert snip["text"][s:e].lower().startswith("rakete")
    assert {f["value"] for f in data["facets"]["place"]} >= {"Nordkorea"}


def test_search_jsonl_is_one_hit_a_line(run):
    r = run("search", "Berlin OR Bayern", "--format", "jsonl", "--limit", "3")
    lines = r.stdout.strip().split("\n")
    assert len(lines) == 3
    assert [json.loads(line)["rank"] for line in lines] == [1, 2, 3]


def test_zero_hits_exit_zero(run):
    r = run("search", "Quantenchromodynamik")
    assert r.exit_code == 0 and "No hits" in r.stdout


def test_colour_only_on_a_terminal_and_never_with_no_color(run, monkeypatch):
    import cli
    monkeypatch.setattr(cli, "_use_color", lambda stream: True)
    r = run("search", "Lehrer")
    assert "\x1b[" in r.stdout
    monkeypatch.undo()
    r = run("search", "Lehrer", env={"NO_COLOR": "1"})
    assert "\x1b[" not in r.stdout


def test_batch_answers_every_line_in_order_and_exits_1_when_one_failed(run):
    queries = "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in
                        enumerate(["Lehrer Gewerkschaft", "Wo gab es Lawinengefahr?",
                                   "die und der", "Raketenwerfer", "date:{:a", "[a TO c]",
                                   "Rakete"]))
    r = run("search", "--batch", "-", input=queries + "\nkein json\n\n")
    out = [json.loads(line) for line in r.stdout.strip().split("\n")]
    assert [o["id"] for o in out] == [0, 1, 2, 3, 4, 5, 6, None, None]
    assert out[0]["hits"][0]["id"] == "06_gew-lehrer-schulstart"
    assert out[1]["hits"][0]["id"] == "x02_schnee-tirol"
    assert out[6]["hits"][0]["id"] == "02_nordkorea-raketen"
    errors = {o["line"]: o["error"] for o in out if "error" in o}
    assert sorted(errors) == [3, 5, 6, 8, 9]
    assert errors[3]["kind"] == "empty_query" and "stop words" in errors[3]["message"]
    assert errors[5]["kind"] == "range" and "'date:{:a'" in errors[5]["message"]
    assert "--since" in errors[5]["message"]  # the CLI's words for the date filter
    assert errors[6]["kind"] == "range" and "'[a TO c]'" in errors[6]["message"]
    assert errors[8]["kind"] == errors[9]["kind"] == "bad_line"
    assert "line 8" in errors[8]["message"]
    assert r.exit_code == 1
    assert r.stderr.strip() == "5 of 9 queries failed; their lines carry the error."


def test_batch_exits_0_when_every_query_is_answered(run):
    r = run("search", "--batch", "-",
            input='{"id": "x", "text": "Lehrer"}\n{"id": "y", "text": "Rakete"}\n')
    assert r.exit_code == 0 and r.stderr == ""
    assert [json.loads(line)["id"] for line in r.stdout.splitlines()] == ["x", "y"]


def test_batch_line_is_the_search_json_with_the_id(run):
    """One JSON shape: a batch line is what --format json prints, with the id in front."""
    args = ["--limit", "3", "--snippets", "1", "--facets", "2", "--since", "2020"]
    single = json.loads(run("search", "Lehrer", "--format", "json", *args).stdout)
    r = run("search", "--batch", "-", *args, input='{"id": 7, "text": "Lehrer"}\n')
    line = json.loads(r.stdout)
    assert list(line)[0] == "id" and line.pop("id") == 7
    assert line == single
    assert line["hits"][0]["snippets"] and line["facets"]["place"]


def _whoosh_class_names():
    """Names of Whoosh's classes that could leak into a message (CamelCase or CAPS)."""
    import re

    import whoosh.fields
    import whoosh.matching
    import whoosh.qparser
    import whoosh.qparser.plugins
    import whoosh.qparser.syntax
    import whoosh.query

    names = set()
    for module in (whoosh.fields, whoosh.matching, whoosh.qparser, whoosh.qparser.plugins,
                   whoosh.qparser.syntax, whoosh.query):
        for name, value in vars(module).items():
            if isinstance(value, type) and re.fullmatch(r"[A-Z][a-z]+[A-Z]\w+|[A-Z]{5,}",
                                                          name):
                names.add(name)
    return names


WHOOSH_NAMES = _whoosh_class_names()


@pytest.mark.parametrize("query, part, allowed", [
    ("date:{:a", "'date:{:a'", "--since DATE"),
    ("title:{:a", "'title:{:a'", "ranges"),
    ("{:a", "'{:a'", "ranges"),
    ("[a TO c]", "'[a TO c]'", "--since DATE"),
    ("nosuchfield:wort", "'nosuchfield:wort'", "title:WORD or body:WORD"),
    ("Lehrer date:[2020 TO x]", "'date:[2020 TO x]'", "YYYY-MM-DD"),
    ("date:2020", "'date:2020'", "--since DATE"),
    ("persons:Söder", "'persons:Söder'", "--person NAME"),
    ("places:Berlin", "'places:Berlin'", "--place NAME"),
    ("text_z:Lehrer", "'text_z:Lehrer'", "title:WORD or body:WORD"),
])
def test_query_parts_that_make_no_sense_are_named_in_one_line(run, query, part, allowed):
    r = run("search", query)
    assert r.exit_code == 1 and r.stdout == ""
    message = r.stderr.strip()
    assert message.startswith("Error: the query part " + part) and "\n" not in message
    assert allowed in message
    for leak in ("Traceback", "KeyError", "STORED(", "_all", "unexpected"):
        assert leak not in message
    assert not {n for n in WHOOSH_NAMES if n in message}, message
    # The same words answer the query in a batch.
    r = run("search", "--batch", "-", input=json.dumps({"id": 1, "text": query}) + "\n")
    assert json.loads(r.stdout)["error"]["message"] == message[len("Error: "):]


def test_whoosh_class_names_are_known_to_the_leak_check():
    assert {"NumericRange", "RangeNode", "STORED", "DisjunctionMax"} <= WHOOSH_NAMES


def test_filters_on_the_command_line(run):
    r = run("search", "--person", "söder", "--format", "json")
    assert [h["id"] for h in json.loads(r.stdout)["hits"]] == ["10_und-was-nun"]
    r = run("search", "--place", "Berlin", "--place", "Aachen", "--format", "json")
    assert [h["id"] for h in json.loads(r.stdout)["hits"]] == ["08_laschet-cdu-chef"]
    r = run("search", "Lehrer", "--since", "2020-09", "--format", "json")
    assert [h["id"] for h in json.loads(r.stdout)["hits"]] == ["07_lehrer-portraet"]


def test_page_and_sort(run):
    r = run("search", "--since", "2020", "--sort", "date", "--limit", "2", "--page", "2",
            "--format", "json")
    data = json.loads(r.stdout)
    assert data["offset"] == 2 and [h["rank"] for h in data["hits"]] == [3, 4]
    dates = [h["date"] for h in data["hits"]]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("args,message", [
    (["search", "die und der"], "only German stop words"),
    (["search", "Lehrer", "--since", "2020-13"], "bad date filter: --since '2020-13'"),
    (["search", "--person", "Gorbatschow"], "no person 'Gorbatschow'"),
    (["search", "--person", "Gorbatschow"], "`fundstelle facets person --prefix ...`"),
    (["show", "gibt-es-nicht"], "no article with id"),
])
def test_handled_errors_exit_1_with_a_message_on_stderr(run, args, message):
    r = run(*args)
    assert r.exit_code == 1
    assert message in r.stderr and r.stdout == ""


def test_usage_errors_exit_2(run):
    assert run("search").exit_code == 2
    assert run("search", "x", "--sort", "zufall").exit_code == 2


def test_missing_index_says_how_to_create_one(tmp_path):
    r = CliRunner().invoke(main, ["--index", str(tmp_path / "nix"), "search", "Lehrer"])
    assert r.exit_code == 1
    assert "Run `fundstelle index ARTICLES...` first" in r.stderr


def test_index_env_variable(corpus_index):
    r = CliRunner().invoke(main, ["stats", "--format", "json"],
                           env={"FUNDSTELLE_INDEX": corpus_index})
    assert r.exit_code == 0 and json.loads(r.stdout)["articles"] == 13


def test_index_command_summary_on_stderr_and_reindex_skips_unchanged(tmp_path):
    runner = CliRunner()
    ix = str(tmp_path / "ix")
    r = runner.invoke(main, ["--index", ix, "index", str(SEED), "--no-entities"])
    assert r.exit_code == 0 and r.stdout == ""
    assert "1 added" in r.stderr
    r = runner.invoke(main, ["--index", ix, "index", str(SEED), "--no-entities"])
    assert "0 added, 0 updated, 1 unchanged" in r.stderr


def test_index_reads_jsonl_from_stdin(tmp_path):
    line = json.dumps({"id": "s1", "title": "Hochwasser in Passau",
                       "text": "Die Donau trat über die Ufer.", "date": "2024-06-03"},
                      ensure_ascii=False)
    ix = str(tmp_path / "ix")
    r = CliRunner().invoke(main, ["--index", ix, "index", "-", "--no-entities"], input=line)
    assert r.exit_code == 0, r.stderr
    r = CliRunner().invoke(main, ["--index", ix, "search", "Donau", "--format", "json"])
    assert json.loads(r.stdout)["hits"][0]["id"] == "s1"


def test_show_stats_analyze(run):
    r = run("show", "08_laschet-cdu-chef", "--format", "json")
    art = json.loads(r.stdout)
    assert art["title"] == "Armin Laschet ist neuer CDU-Chef"
    assert "Armin Laschet" in art["persons"]
    r = run("show", "01_manoever-litauen")
    assert r.stdout.splitlines()[1].startswith("2020-10 ·")
    r = run("stats", "--format", "json")
    st = json.loads(r.stdout)
    assert st["articles"] == 13 and st["date_from"] == "2020-01-14"
    assert st["date_to"] == "2021-03"
    r = run("analyze", "Der CDU-Chef", "--format", "json")
    assert [t["term"] for t in json.loads(r.stdout)] == ["cdu-chef", "cdu", "chef"]


def test_entities_command_writes_one_json_line_per_article():
    r = CliRunner().invoke(main, ["entities", str(CORPUS / "08_laschet-cdu-chef.txt"),
                                  str(SEED)])
    assert r.exit_code == 0
    rows = [json.loads(line) for line in r.stdout.strip().split("\n")]
    assert [row["id"] for row in rows] == ["08_laschet-cdu-chef", "000_d78a48386e0168e9"]
    assert "Armin Laschet" in rows[0]["persons"]
    assert "Wladimir Putin" in rows[1]["persons"] and "Russland" in rows[1]["places"]


def test_facets_command(run):
    r = run("facets", "place", "--prefix", "ber", "--format", "json")
    values = json.loads(r.stdout)["values"]
    assert values[0] == {"value": "Berlin", "count": 2, "selected": False}
    r = run("facets", "person", "Lehrer")
    assert "Marlis Tepe" in r.stdout or "Stefan Krüger" in r.stdout


# ---------------------------------------------------------------- golden output
#
# The text, json and jsonl output of search, show, facets and stats on the bundled
# samples, compared byte for byte with tests/golden/cli/. Only what must vary is
# normalised: the index path, sizes on disk and the creation time. To regenerate
# after an intended change of output (e.g. of ranking), run
#
#     FUNDSTELLE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_cli.py -k golden
#
# and review the diff of tests/golden/cli/ before committing it.

import os
import pathlib
import re

GOLDEN = pathlib.Path(__file__).resolve().parent / "golden" / "cli"
UPDATE_GOLDEN = os.environ.get("FUNDSTELLE_UPDATE_GOLDEN") == "1"

GOLDEN_CASES = {
    "search-rakete": ["search", "Rakete"],
    "search-bayern-by-date": ["search", "--place", "Bayern", "--sort", "date", "--limit", "3"],
    "search-wahl-page-2": ["search", "Wahl", "--limit", "2", "--page", "2", "--facets", "3"],
    "search-none": ["search", "Quantenchromodynamik"],
    "show-hochwasser": ["show", "002_hochwasser-passau"],
    "facets-person": ["facets", "person"],
    "facets-place-hochwasser": ["facets", "place", "Hochwasser", "--limit", "5"],
    "facets-person-prefix": ["facets", "person", "--prefix", "sö"],
    "stats": ["stats"],
}
FORMATS_OF = {"search": ("text", "json", "jsonl"), "facets": ("text", "json", "jsonl"),
              "show": ("text", "json"), "stats": ("text", "json")}
GOLDEN_PARAMS = [(name, fmt) for name, args in GOLDEN_CASES.items()
                 for fmt in FORMATS_OF[args[0]]]


def _normalise(text, index):
    """The output with what varies between runs replaced: index path, sizes, creation time."""
    text = text.replace(os.path.abspath(index), "<INDEX>").replace(index, "<INDEX>")
    text = re.sub(r'"size_bytes": \d+', '"size_bytes": "<SIZE>"', text)
    text = re.sub(r'"created": "[^"]*"', '"created": "<CREATED>"', text)
    return re.sub(r"(?m)^(size:\s+)[\d,.]+ MB$", r"\1<SIZE> MB", text)


@pytest.mark.parametrize("name,fmt", GOLDEN_PARAMS, ids=[f"{n}.{f}" for n, f in GOLDEN_PARAMS])
def test_golden_output(samples_index, name, fmt):
    r = CliRunner().invoke(main, ["--index", samples_index, *GOLDEN_CASES[name],
                                  "--format", fmt], env={"NO_COLOR": "1"},
                           catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ""
    got = _normalise(r.stdout, samples_index)
    path = GOLDEN / f"{name}.{fmt}"
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with FUNDSTELLE_UPDATE_GOLDEN=1"
    assert got == path.read_text(encoding="utf-8"), f"output differs from {path}"


def test_golden_files_are_all_in_use():
    expected = {f"{n}.{f}" for n, f in GOLDEN_PARAMS}
    assert {p.name for p in GOLDEN.iterdir()} == expected
