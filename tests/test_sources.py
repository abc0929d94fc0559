"""Outlets: the source column, --source names, the OR filter and the multi-select facet."""

import json
import os

import pytest
from click.testing import CliRunner

from cli import main
from search import Archive
from search.errors import AmbiguousName, UnknownName
from search.facets import FacetColumns
from search.sources import resolve_sources, site_name


def cli(index, *args):
    return CliRunner().invoke(main, ["--index", index, *args])


def test_the_column_holds_each_articles_source_as_indexed(outlets_index):
    with Archive(outlets_index) as archive:
        column = archive.engine.sources()
        stored = {}
        reader = archive.engine.searcher.reader()
        for docnum in range(reader.doc_count_all()):
            fields = reader.stored_fields(docnum)
            stored[fields["id"]] = (fields.get("source"), column.per_doc[docnum])
    assert {i: (s, tuple(column.values[v] for v in vids)) for i, (s, vids) in stored.items()} \
        == {i: (s, (s,)) for i, (s, _) in stored.items()}
    assert sorted(column.values) == ["Märkischer Bote", "RHEINBLATT.DE", "rheinblatt.de",
                                     "www.Alpenpost.at"]


@pytest.mark.parametrize("typed,values", [
    ("Märkischer Bote", ["Märkischer Bote"]),
    ("märkischer bote", ["Märkischer Bote"]),
    ("Maerkischer Bote", ["Märkischer Bote"]),
    ("Bote", ["Märkischer Bote"]),
    ("rheinblatt.de", ["rheinblatt.de"]),            # exact: only this spelling
    ("Rheinblatt.De", ["RHEINBLATT.DE", "rheinblatt.de"]),
    ("rheinblatt", ["RHEINBLATT.DE", "rheinblatt.de"]),
    ("alpenpost", ["www.Alpenpost.at"]),
])
def test_names_resolve_without_case_accents_or_the_sites_ending(outlets_index, typed, values):
    with Archive(outlets_index) as archive:
        assert resolve_sources(archive.engine.sources(), [typed]) == values


def test_an_unknown_source_names_close_ones_and_two_sites_are_ambiguous():
    per_doc = [(0,), (1,), (2,)]
    cols = FacetColumns("source", ["zeit.at", "zeit.de", "welt.de"],
                        [frozenset([0]), frozenset([1]), frozenset([2])], per_doc)
    with pytest.raises(AmbiguousName) as exc:
        resolve_sources(cols, ["Zeit"])
    assert [c for c, _ in exc.value.candidates] == ["zeit.at", "zeit.de"]
    with pytest.raises(UnknownName) as exc:
        resolve_sources(cols, ["zeitung"])
    assert exc.value.close == ["zeit.at", "zeit.de"]
    assert site_name("www.Zeit.de") == "zeit" and site_name("de.rt.com") == "de.rt"


def test_several_sources_are_ored_and_combine_with_other_filters(outlets_index):
    with Archive(outlets_index) as archive:
        bote = {h["id"] for h in archive.search(source=["bote"], limit=50)["hits"]}
        rhein = {h["id"] for h in archive.search(source=["rheinblatt"], limit=50)["hits"]}
        both = archive.search(source=["bote", "rheinblatt"], limit=50)
        soeder = archive.search(person=["söder"], source=["bote", "rheinblatt"], limit=50)
    assert bote == {"o01_soeder-regeln", "o02_laschet-lockerungen",
                    "o08_badeseen-brandenburg", "o09_frost-oderbruch"}
    assert rhein == {"o03_streit-oeffnungen", "o04_maskenpflicht-nrw", "o05_soeder-disziplin"}
    assert {h["id"] for h in both["hits"]} == bote | rhein
    assert both["filters"]["source"] == ["Märkischer Bote", "RHEINBLATT.DE", "rheinblatt.de"]
    assert {h["id"] for h in soeder["hits"]} == {"o01_soeder-regeln", "o03_streit-oeffnungen",
                                                 "o05_soeder-disziplin"}


def test_the_sources_facet_ignores_its_own_filter_but_not_the_others(outlets_index):
    with Archive(outlets_index) as archive:
        chosen = archive.search(source=["bote"])
        laschet = archive.search(person=["laschet"], source=["bote"])
    counts = {v["value"]: (v["count"], v["selected"]) for v in chosen["facets"]["sources"]}
    assert counts == {"Märkischer Bote": (4, True), "rheinblatt.de": (2, False),
                      "www.Alpenpost.at": (2, False), "RHEINBLATT.DE": (1, False)}
    assert chosen["total"] == 4
    # Laschet's articles in every outlet, while the hits are the Bote's only.
    counts = {v["value"]: v["count"] for v in laschet["facets"]["sources"]}
    assert counts == {"Märkischer Bote": 1, "rheinblatt.de": 2}
    assert [h["id"] for h in laschet["hits"]] == ["o02_laschet-lockerungen"]
    persons = {v["value"]: v["count"] for v in laschet["facets"]["person"]}
    # The person facet ignores its own filter but takes the source's: the Bote's two
    # political articles, not the rheinblatt's three.
    assert persons == {"Armin Laschet": 1, "Markus Söder": 1}


def test_facets_source_lists_outlets_over_a_query_and_by_prefix(outlets_index):
    r = cli(outlets_index, "facets", "source", "Söder", "--format", "json")
    assert r.exit_code == 0, r.output
    assert {v["value"]: v["count"] for v in json.loads(r.stdout)["values"]} == \
        {"Märkischer Bote": 1, "rheinblatt.de": 1, "RHEINBLATT.DE": 1}
    r = cli(outlets_index, "facets", "source", "--prefix", "märk")
    assert r.exit_code == 0 and r.stdout.split() == ["4", "Märkischer", "Bote"]


def test_cli_source_filter_and_its_errors(outlets_index):
    r = cli(outlets_index, "search", "--source", "ALPENPOST", "--format", "json")
    assert r.exit_code == 0, r.output
    assert {h["id"] for h in json.loads(r.stdout)["hits"]} == {"o06_jahresrueckblick-tirol",
                                                                "o07_huetten-zillertal"}
    r = cli(outlets_index, "search", "Söder", "--source", "Bodensee-Bote")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith("Error: no source 'Bodensee-Bote' in the index. Did you mean: ")
    assert "`fundstelle facets source --prefix ...` lists the names" in r.stderr
    assert "Traceback" not in r.stderr


def test_the_source_column_is_cached_per_commit(outlets_index, tmp_path):
    import shutil

    copy = tmp_path / "index"
    shutil.copytree(outlets_index, copy)
    for name in os.listdir(copy):
        if name.startswith("facets-v2-source"):
            os.remove(copy / name)
    with Archive(copy) as archive:
        archive.search(source=["bote"])
    assert [n for n in os.listdir(copy) if n.startswith("facets-v2-source-")]


def test_a_prefix_finds_an_outlet_by_its_site_name_or_any_word(outlets_index):
    with Archive(outlets_index) as archive:
        def names(prefix):
            return [v["value"] for v in archive.facets("source", prefix=prefix)["values"]]
        assert names("alp") == ["www.Alpenpost.at"]
        assert names("www") == ["www.Alpenpost.at"]
        assert names("bot") == ["Märkischer Bote"]
        assert names("RHEIN") == ["rheinblatt.de", "RHEINBLATT.DE"]
        assert names("de") == ["rheinblatt.de", "RHEINBLATT.DE"]
        assert names("zz") == []
