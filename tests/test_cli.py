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


def test_batch_answers_every_query_in_one_process(run):
    queries = "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in
                        enumerate(["Lehrer Gewerkschaft", "Wo gab es Lawinengefahr?",
                                   "die und der", "Raketenwerfer"]))
    r = run("search", "--batch", "-", input=queries + "\nkein json\n")
    out = [json.loads(line) for line in r.stdout.strip().split("\n")]
    assert [o["id"] for o in out] == [0, 1, 2, 3, None]
    assert out[0]["hits"][0]["id"] == "06_gew-lehrer-schulstart"
    assert set(out[0]["hits"][0]) >= {"id", "score", "rank"}
    assert out[1]["hits"][0]["id"] == "x02_schnee-tirol"
    assert "stop words" in out[2]["error"]
    assert "line 5" in out[4]["error"]


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
    (["search", "Lehrer", "--since", "2020-13"], "bad date filter"),
    (["search", "--person", "Gorbatschow"], "no person 'Gorbatschow'"),
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
