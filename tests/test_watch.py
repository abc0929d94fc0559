"""Saved searches (search.watch) and the arrivals they read (index.arrivals)."""

import json
import os
import pathlib
import shutil

import pytest
from click.testing import CliRunner

from cli import main
from index.arrivals import FILE as ARRIVALS_FILE
from index.arrivals import Arrivals
from index.build import index_paths
from search import Archive
from search.errors import BadDate, EmptyQuery
from search.watch import NO_NEW_HITS, WatchExists, WatchNotFound

from conftest import CORPUS

AGENCY = pathlib.Path(__file__).resolve().parent / "fixtures" / "agency"


def _index(path, *paths, **options):
    return index_paths(str(path), [str(p) for p in paths], procs=1, **options)


@pytest.fixture
def index_dir(tmp_path):
    """An index of the test corpus, and a folder the ferry reports are copied into later."""
    path = tmp_path / "index"
    _index(path, CORPUS)
    return path


def _add_ferry_reports(tmp_path, path, *names):
    folder = tmp_path / "later"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(AGENCY / f"{name}.txt", folder / f"{name}.txt")
    _index(path, folder)
    return folder


def test_a_watch_shows_what_was_indexed_since_it_last_ran(tmp_path, index_dir):
    with Archive(index_dir) as archive:
        archive.watch_add("faehre", "Fähre")
        assert archive.watch_run("faehre")["new"] == 0
    # The reports are dated 2023, older than some corpus articles: new all the same.
    _add_ferry_reports(tmp_path, index_dir, "a1_rheinpost-faehre", "a3_weinzeitung-faehre")
    with Archive(index_dir) as archive:
        out = archive.watch_run("faehre")
        watch = out["watches"][0]
        assert out["new"] == 2 == watch["new"]
        assert {h["id"] for h in watch["hits"]} == {"a1_rheinpost-faehre",
                                                   "a3_weinzeitung-faehre"}
        assert [h["rank"] for h in watch["hits"]] == [1, 2]
        assert all(h["added"] for h in watch["hits"])
        assert archive.watch_run("faehre")["new"] == 0  # it remembers where it stopped


def test_only_matching_new_articles_count(tmp_path, index_dir):
    with Archive(index_dir) as archive:
        archive.watch_add("lehrer", "Lehrer")
        # No article names Mainz yet: a watch may wait for a name.
        archive.watch_add("faehre", "Fähre", place=["Mainz"])
        assert archive.watch_run("faehre")["new"] == 0
    _add_ferry_reports(tmp_path, index_dir, "a1_rheinpost-faehre")
    with Archive(index_dir) as archive:
        out = archive.watch_run()
    counts = {w["name"]: w["new"] for w in out["watches"]}
    assert counts == {"faehre": 1, "lehrer": 0}


def test_a_changed_article_is_not_new_again(tmp_path, index_dir):
    folder = _add_ferry_reports(tmp_path, index_dir, "a1_rheinpost-faehre")
    with Archive(index_dir) as archive:
        archive.watch_add("faehre", "Fähre")
    report = folder / "a1_rheinpost-faehre.txt"
    report.write_text(report.read_text(encoding="utf-8") + "\nDie Fähre fährt wieder.\n",
                      encoding="utf-8")
    summary = _index(index_dir, folder)
    assert summary.updated == 1
    with Archive(index_dir) as archive:
        assert archive.watch_run("faehre")["new"] == 0


def test_a_rebuild_makes_nothing_new_and_keeps_the_watches(tmp_path, index_dir):
    with Archive(index_dir) as archive:
        archive.watch_add("faehre", "Fähre")
    folder = _add_ferry_reports(tmp_path, index_dir, "a1_rheinpost-faehre")
    with Archive(index_dir) as archive:
        assert archive.watch_run("faehre")["new"] == 1
    before = Arrivals.load(index_dir).ids
    _index(index_dir, CORPUS, folder, rebuild=True)
    assert Arrivals.load(index_dir).ids == before
    with Archive(index_dir) as archive:
        assert [w["name"] for w in archive.watch_list()] == ["faehre"]
        assert archive.watch_run("faehre")["new"] == 0
    # An article new to the rebuilt index is new.
    _add_ferry_reports(tmp_path, index_dir, "a3_weinzeitung-faehre")
    with Archive(index_dir) as archive:
        hits = archive.watch_run("faehre")["watches"][0]["hits"]
    assert [h["id"] for h in hits] == ["a3_weinzeitung-faehre"]


def test_an_index_from_before_arrivals_makes_nothing_new(tmp_path, index_dir):
    os.remove(index_dir / ARRIVALS_FILE)
    _add_ferry_reports(tmp_path, index_dir, "a1_rheinpost-faehre")
    arrivals = Arrivals.load(index_dir)
    assert arrivals.of("06_gew-lehrer-schulstart") == 0
    assert arrivals.of("a1_rheinpost-faehre") == arrivals.last > 0


def test_watch_errors(index_dir):
    with Archive(index_dir) as archive:
        archive.watch_add("lehrer", "Lehrer")
        with pytest.raises(WatchExists):
            archive.watch_add("lehrer", "Schule")
        with pytest.raises(BadDate):
            archive.watch_add("x", "Lehrer", since="2020-13")
        with pytest.raises(EmptyQuery):
            archive.watch_add("x", "und die")
        with pytest.raises(WatchNotFound, match="lehrer"):
            archive.watch_run("lehrerin")
        archive.watch_remove("lehrer")
        with pytest.raises(WatchNotFound):
            archive.watch_remove("lehrer")
        assert archive.watch_list() == []


def test_cli_watch_exit_codes_and_formats(tmp_path, index_dir):
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["--index", str(index_dir), *args])

    added = run("watch", "add", "faehre", "Fähre")
    assert added.exit_code == 0 and "faehre" in added.stderr
    listed = run("watch", "list", "--format", "json")
    assert json.loads(listed.stdout)["watches"][0]["query"] == "Fähre"
    none = run("watch", "run", "--format", "json")
    assert none.exit_code == NO_NEW_HITS == 3
    assert json.loads(none.stdout)["new"] == 0
    _add_ferry_reports(tmp_path, index_dir, "a1_rheinpost-faehre")
    new = run("watch", "run", "faehre", "--format", "csv", "--no-bom")
    assert new.exit_code == 0, new.output
    lines = new.stdout_bytes.decode("utf-8").split("\r\n")  # RFC 4180 line ends
    assert lines[0].startswith("watch,rank,id,date,source,title,url,added")
    assert lines[1].startswith("faehre,1,a1_rheinpost-faehre,2023-09-14,")
    assert run("watch", "run", "faehre").exit_code == NO_NEW_HITS
    missing = run("watch", "run", "nichts")
    assert missing.exit_code == 1
    assert "no watch named 'nichts'" in missing.stderr and "Traceback" not in missing.output
    assert run("watch", "remove", "faehre").exit_code == 0
    assert run("watch", "add", "leer").exit_code == 2
