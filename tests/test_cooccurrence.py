"""Who appears with whom (search.cooccurrence), checked against searches with both filters."""

import csv
import io

import numpy as np
import pytest
from click.testing import CliRunner

from cli import main
from search import Archive
from search.cooccurrence import log_likelihood
from search.errors import UnknownName


def test_counts_are_the_articles_naming_both(samples_index):
    with Archive(samples_index) as archive:
        out = archive.cooccurrence("place", "Deutschland", min_count=1, limit=100)
        assert out["name"] == "Deutschland" and out["scope"] == archive.article_count()
        assert out["articles"] == archive.search(place=["Deutschland"], collapse=False)["total"]
        assert out["rows"], out
        for row in out["rows"][:8]:
            filters = {"person": [], "place": ["Deutschland"]}
            filters[row["kind"]].append(row["name"])
            both = archive.search(collapse=False, **filters)
            assert row["count"] == both["total"], row
            alone = archive.search(collapse=False, **{row["kind"]: [row["name"]]})
            assert row["total"] == alone["total"], row
        assert "Deutschland" not in [r["name"] for r in out["rows"] if r["kind"] == "place"]
        scores = [r["score"] for r in out["rows"]]
        assert scores == sorted(scores, reverse=True)


def test_a_query_narrows_the_scope(samples_index):
    with Archive(samples_index) as archive:
        out = archive.cooccurrence("person", "Söder", "Hochwasser", min_count=1)
        assert out["name"] == "Markus Söder"
        assert out["scope"] == archive.search("Hochwasser", collapse=False)["total"]
        assert out["articles"] == archive.search("Hochwasser", person=["Söder"],
                                                 collapse=False)["total"]
        names = {r["name"] for r in out["rows"]}
        assert "Passau" in names


def test_min_count_drops_chance_meetings(samples_index):
    with Archive(samples_index) as archive:
        rows = archive.cooccurrence("place", "Deutschland", min_count=2, limit=100)["rows"]
    assert rows and all(r["count"] >= 2 for r in rows)


def test_specific_names_outrank_names_found_everywhere():
    # 2,000 articles, 20 name the target. A name in 10 of those 20 and nowhere
    # else is specific; one in 10 of them and 1,000 overall is merely frequent;
    # one in 400 overall but only 1 of the 20 (4 expected) is met less than by chance.
    g = log_likelihood(np.array([10, 10, 1]), 20, np.array([10, 1000, 400]), 2000)
    assert g[0] > 50 and abs(g[1]) < 1e-9 and g[2] < 0
    # Frequent everywhere and somewhat more often here still ranks below specific.
    g = log_likelihood(np.array([15, 8]), 20, np.array([1200, 9]), 2000)
    assert g[1] > g[0] > 0


def test_unknown_name(samples_index):
    with Archive(samples_index) as archive, pytest.raises(UnknownName):
        archive.cooccurrence("person", "Niemand Unbekannt")


def test_cli_csv_is_an_edge_list(samples_index):
    runner = CliRunner()
    result = runner.invoke(main, ["--index", samples_index, "cooccurrence", "--place",
                                  "Deutschland", "--min-count", "1", "--format", "csv"])
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes.decode("utf-8")
    assert raw.startswith("\ufeffsource,target,count,score\r\n")  # BOM: Excel's umlauts
    raw = raw[1:]
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert rows and all(r["source"] == "Deutschland" for r in rows)
    assert all(int(r["count"]) >= 1 for r in rows)
    text = runner.invoke(main, ["--index", samples_index, "cooccurrence", "--place",
                                "Deutschland", "--min-count", "1"])
    assert text.exit_code == 0 and "score" in text.stdout and "Deutschland:" in text.stderr
    both = runner.invoke(main, ["--index", samples_index, "cooccurrence", "--place", "Bayern",
                                "--person", "Söder"])
    assert both.exit_code == 2
    unknown = runner.invoke(main, ["--index", samples_index, "cooccurrence", "--person",
                                   "Niemand Unbekannt"])
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
