"""search.Archive, the one entry point: the same data as the CLI's JSON, errors as exceptions."""

import doctest
import json
import os

import pytest
from click.testing import CliRunner

from cli import main
from conftest import ROOT, SAMPLES
from search import Archive
from index.errors import IndexNotFound
from search.errors import ArticleNotFound, BadDate, UnknownName, user_message


def cli_json(index, *args):
    r = CliRunner().invoke(main, ["--index", index, *args, "--format", "json"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def archive(samples_index):
    with Archive(samples_index) as a:
        yield a


def test_search_is_the_clis_json(archive, samples_index):
    got = archive.search("Hochwasser", limit=3)
    assert got == cli_json(samples_index, "search", "Hochwasser", "--limit", "3")
    assert got["hits"][0]["id"] == "002_hochwasser-passau"
    filtered = archive.search(person=["Söder"], sort="date", facets=3, snippets=0)
    assert filtered == cli_json(samples_index, "search", "--person", "Söder", "--sort", "date",
                                "--facets", "3", "--snippets", "0")
    assert filtered["total"] >= 1 and all(h["snippets"] == [] for h in filtered["hits"])


def test_article_facets_similar_stats_check_are_the_clis_json(archive, samples_index):
    assert archive.article("002_hochwasser-passau") == \
        cli_json(samples_index, "show", "002_hochwasser-passau")
    assert archive.facets("place", "Hochwasser", limit=5) == \
        cli_json(samples_index, "facets", "place", "Hochwasser", "--limit", "5")
    assert archive.similar("020_kanzlerwahl-merz", limit=3) == \
        cli_json(samples_index, "similar", "020_kanzlerwahl-merz", "--limit", "3")
    stats = archive.stats()
    assert stats == cli_json(samples_index, "stats") and stats["articles"] == 21
    assert archive.check()["ok"] and archive.check()["articles"] == 21


def test_article_with_a_query_gives_the_ranges_of_its_words(archive):
    a = archive.article("002_hochwasser-passau", query="Pegel Donau")
    words = {a["text"][s:e] for s, e in a["text_matches"]}
    assert "Pegel" in words and "Donau" in words
    assert [a["title"][s:e] for s, e in a["title_matches"]] == ["Donau"]


def test_search_batch_answers_each_line_in_the_library_words(archive):
    lines = ['{"id": "a", "text": "Wahl"}', "", "kein json", '{"id": 4, "text": "und der"}']
    out = list(archive.search_batch(lines, limit=2, snippets=0, facets=0))
    assert [o["id"] for o in out] == ["a", None, None, 4]
    assert out[0] == {"id": "a", **archive.search("Wahl", limit=2, snippets=0, facets=0)}
    assert out[3]["error"]["kind"] == "empty_query"
    assert "stop words" in out[3]["error"]["message"]
    assert [o["id"] for o in archive.search_batch(lines, skip_blank=True)] == ["a", None, 4]


def test_errors_are_domain_exceptions_and_user_message_names_no_flag(archive, tmp_path):
    with pytest.raises(ArticleNotFound):
        archive.article("gibt-es-nicht")
    with pytest.raises(BadDate) as bad:
        archive.search("Wahl", since="2020-13")
    assert user_message(bad.value).startswith("bad date filter: since '2020-13'")
    with pytest.raises(UnknownName) as unknown:
        archive.search("Wahl", person=["Niemandvonhier"])
    for exc in (bad.value, unknown.value):
        assert "--" not in user_message(exc) and "fundstelle" not in user_message(exc)
    with pytest.raises(IndexNotFound) as missing:
        Archive(tmp_path / "nirgends").search("Wahl")
    assert user_message(missing.value) == (f"no index in {tmp_path / 'nirgends'}. "
                                           "Index articles into it first.")


def test_index_builds_an_index_that_searches_like_the_clis(tmp_path, write_article):
    write_article("a.txt", " date 2024-05 Starkregen über Köln",
                  "Der Starkregen überflutete am Montag mehrere Straßen in Köln.",
                  folder=tmp_path / "in")
    summary = Archive.index(tmp_path / "ix", [tmp_path / "in"], procs=1)
    assert (summary.added, summary.failed) == (1, 0)
    with Archive(tmp_path / "ix") as a:
        assert [h["id"] for h in a.search("Starkregen")["hits"]] == ["a"]
        assert a.search("Starkregen") == cli_json(str(tmp_path / "ix"), "search", "Starkregen")


def test_readme_example_runs(tmp_path, monkeypatch):
    """The README's Python API example, run as a doctest in a folder with the samples."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    code = section.split("```pycon\n", 1)[1].split("```", 1)[0]
    os.symlink(SAMPLES, tmp_path / "samples")
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(code, {}, "README Python API", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 5
