"""Mentions over time: dates and their precision, periods, left-out counts, --compare,
the bar chart and the search's dates facet."""

import datetime
import json

import numpy as np
import pytest
from click.testing import CliRunner

from cli import main
from index.ingest import ArticleDate
from search import Archive
from search.errors import BadOption
from search.timeline import (DAY, MONTH, UNDATED, YEAR, DateColumn, bar, period_index,
                             period_label)

PRECISION = {"day": DAY, "time": DAY, "month": MONTH, "year": YEAR}


def cli(index, *args, env=None):
    return CliRunner().invoke(main, ["--index", index, *args], env=env)


def rows(series):
    return [(r["period"], r["count"]) for r in series["rows"]]


@pytest.mark.parametrize("which", ["outlets_index", "samples_index", "corpus_index"])
def test_the_date_column_knows_each_articles_date_and_precision(which, request):
    index = request.getfixturevalue(which)
    with Archive(index) as archive:
        engine = archive.engine
        column = DateColumn.from_reader(engine.searcher.reader(), engine.searcher.schema)
        reader = engine.searcher.reader()
        seen = set()
        for docnum in range(reader.doc_count_all()):
            stored = reader.stored_fields(docnum).get("date")
            date = ArticleDate.parse(stored) if stored else None
            want = (date.lo, PRECISION[date.precision]) if date else (0, UNDATED)
            assert (int(column.lo[docnum]), int(column.precision[docnum])) == want, stored
            seen.add(want[1])
    if which == "outlets_index":
        assert seen == {DAY, MONTH, YEAR, UNDATED}


def test_periods_are_iso_weeks_months_and_days_as_python_counts_them():
    days = [datetime.date(2019, 12, 1) + datetime.timedelta(n) for n in range(800)]
    lo = np.array([d.year * 10000 + d.month * 100 + d.day for d in days])
    for by, name in (("day", lambda d: d.isoformat()),
                     ("week", lambda d: "%d-W%02d" % d.isocalendar()[:2]),
                     ("month", lambda d: d.isoformat()[:7]),
                     ("year", lambda d: str(d.year))):
        index = period_index(lo, by)
        assert [period_label(int(i), by) for i in index] == [name(d) for d in days], by
        # Consecutive periods are consecutive integers: empty ones can be counted 0.
        assert set(np.diff(index).tolist()) <= {0, 1}
    assert period_label(int(period_index(np.array([20210103]), "week")[0]), "week") == "2020-W53"


def test_a_monthly_timeline_lists_empty_months_and_leaves_out_the_year_only_article(
        outlets_index):
    with Archive(outlets_index) as archive:
        data = archive.timeline(by="month", source=["bote", "rheinblatt", "alpenpost"])
    (series,) = data["series"]
    assert rows(series) == [("2020-03", 2), ("2020-04", 1), ("2020-05", 2), ("2020-06", 0),
                            ("2020-07", 1), ("2020-08", 0), ("2020-09", 0), ("2020-10", 0),
                            ("2020-11", 0), ("2020-12", 1)]
    assert (data["from"], data["to"]) == ("2020-03", "2020-12")
    assert series["total"] == 9 and series["counted"] == 7
    assert series["left_out"] == {"month_only": 0, "year_only": 1, "undated": 1}
    assert data["notes"] == ["2 of 9 articles are not in the monthly counts: 1 is dated only "
                             "by year (--by year counts them), 1 has no date."]


def test_weeks_leave_out_the_month_only_article_and_say_so(outlets_index):
    with Archive(outlets_index) as archive:
        data = archive.timeline("Laschet", by="week")
    (series,) = data["series"]
    counted = [(p, c) for p, c in rows(series) if c]
    # o02 on Monday 30 March, o03 on Tuesday 14 April; o04 is dated May 2020 only.
    assert counted == [("2020-W14", 1), ("2020-W16", 1)]
    assert rows(series)[1] == ("2020-W15", 0)
    assert series["left_out"]["month_only"] == 1
    assert "1 is dated only by month (--by month counts them)" in data["notes"][0]
    with Archive(outlets_index) as archive:
        monthly = archive.timeline("Laschet", by="month")["series"][0]
    assert rows(monthly) == [("2020-03", 1), ("2020-04", 1), ("2020-05", 1)]


def test_since_and_until_fix_the_range_and_filter(outlets_index):
    with Archive(outlets_index) as archive:
        data = archive.timeline(person=["söder"], since="2020", until="2020-06", by="month")
        narrow = archive.timeline(person=["söder"], since="2020-04-01", by="month")
    assert [p for p, _ in rows(data["series"][0])] == [f"2020-{m:02d}" for m in range(1, 7)]
    assert sum(c for _, c in rows(data["series"][0])) == 3
    assert rows(narrow["series"][0]) == [("2020-04", 1), ("2020-05", 1)]


def test_compare_makes_a_series_of_each_repeated_value_on_one_range(outlets_index):
    with Archive(outlets_index) as archive:
        people = archive.timeline(person=["söder", "laschet"], compare=True)
        in_bote = archive.timeline(person=["söder", "laschet"], source=["bote"], compare=True)
        mixed = archive.timeline(person=["söder"], source=["alpenpost"], compare=True,
                                 by="year")
        words = archive.timeline(["Lockerungen", "Maskenpflicht"], compare=True)
    assert [s["label"] for s in people["series"]] == ["Markus Söder", "Armin Laschet"]
    assert [rows(s) for s in people["series"]] == [
        [("2020-03", 1), ("2020-04", 1), ("2020-05", 1)]] * 2
    # A source given once filters both series.
    assert [rows(s) for s in in_bote["series"]] == [[("2020-03", 1)], [("2020-03", 1)]]
    # Nothing repeated: every value is a series.
    assert [(s["label"], s["kind"], rows(s)) for s in mixed["series"]] == [
        ("Markus Söder", "person", [("2020", 3)]),
        ("www.Alpenpost.at", "source", [("2020", 1)])]
    assert mixed["series"][1]["left_out"]["undated"] == 1
    assert [s["label"] for s in words["series"]] == ["Lockerungen", "Maskenpflicht"]
    assert words["query"] == ["Lockerungen", "Maskenpflicht"]


def test_compare_needs_two_values_and_two_queries_need_compare(outlets_index):
    with Archive(outlets_index) as archive:
        with pytest.raises(BadOption):
            archive.timeline(person=["söder"], compare=True)
        with pytest.raises(BadOption):
            archive.timeline(["Söder", "Laschet"])
    r = cli(outlets_index, "timeline", "--person", "söder", "--compare")
    assert r.exit_code == 1 and "two or more values" in r.stderr
    r = cli(outlets_index, "timeline", "Söder", "Laschet")
    assert r.exit_code == 2 and "--compare" in r.stderr
    r = cli(outlets_index, "timeline", "Söder", "--since", "2020-13")
    assert r.exit_code == 1 and r.stderr.startswith("Error: ") and "Traceback" not in r.stderr
    r = cli(outlets_index, "timeline")
    assert r.exit_code == 2


def test_the_bar_chart_fits_the_width_and_scales_the_bars(outlets_index):
    for width in (50, 100):
        r = cli(outlets_index, "timeline", "--source", "bote", "--source", "rheinblatt",
                "--compare", env={"COLUMNS": str(width), "NO_COLOR": "1"})
        assert r.exit_code == 0, r.output
        lines = r.stdout.splitlines()
        assert lines[0] == "Märkischer Bote: 4 articles, by month"
        assert all(len(line) <= width for line in lines)
        chart = {}
        for line in lines:
            if line[:4] == "2020":
                period, count = line.split()[0], int(line.split()[-1])
                chart.setdefault(period, []).append((count, line.count("█")))
        # One scale for both series: the longest bar is the largest count, 2.
        bars = [b for pairs in chart.values() for b in pairs]
        assert max(bars)[0] == 2 and all(n == 0 for c, n in bars if c == 0)
        assert all(n > 0 for c, n in bars if c) and max(n for _, n in bars) >= width - 20
        assert [n for c, n in bars if c == 1] == [max(bars)[1] // 2] * 3
    assert bar(3, 4, 4) == "███" and bar(1, 100, 4) == "▏" and bar(0, 4, 4) == ""


def test_json_jsonl_and_csv_give_the_same_rows(outlets_index):
    args = ["timeline", "--person", "söder", "--person", "laschet", "--compare"]
    data = json.loads(cli(outlets_index, *args, "--format", "json").stdout)
    lines = [json.loads(x) for x in cli(outlets_index, *args, "--format", "jsonl").stdout
             .splitlines()]
    # (CliRunner's ``stdout`` turns CRLF into LF; the bytes are what was written.)
    table = cli(outlets_index, *args, "--format", "csv", "--no-bom").stdout_bytes.decode()
    assert lines == [{"series": s["label"], **r} for s in data["series"] for r in s["rows"]]
    assert table.split("\r\n") == ["period,Markus Söder,Armin Laschet", "2020-03,1,1",
                                   "2020-04,1,1", "2020-05,1,1", ""]
    single = cli(outlets_index, "timeline", "Söder", "--by", "year", "--format", "jsonl")
    assert single.stdout.splitlines() == ['{"period": "2020", "count": 3}']


def test_the_search_json_has_a_dates_facet_counting_months(outlets_index):
    with Archive(outlets_index) as archive:
        page = archive.search(source=["bote", "rheinblatt", "alpenpost"])
        line = archive.timeline(source=["bote", "rheinblatt", "alpenpost"])
        april = archive.search("Söder", since="2020-04", until="2020-04")
    assert [(v["value"], v["count"]) for v in page["facets"]["dates"]] == \
        rows(line["series"][0])
    # The date filter narrows the hits, not the histogram; its month is selected.
    assert april["total"] == 1
    assert [(v["value"], v["count"], v["selected"]) for v in april["facets"]["dates"]] == \
        [("2020-03", 1, False), ("2020-04", 1, True), ("2020-05", 1, False)]


def test_a_timeline_of_nothing_is_empty_not_an_error(outlets_index):
    with Archive(outlets_index) as archive:
        data = archive.timeline("Vulkanausbruch")
    assert data["series"][0]["rows"] == [] and data["series"][0]["total"] == 0
    r = cli(outlets_index, "timeline", "Vulkanausbruch")
    assert r.exit_code == 0 and "no dated article matches" in r.stdout


@pytest.mark.parametrize("since,until", [("2020-03", None), (None, "2020-04-14"),
                                         ("2020-05-20", "2020-05-20"), ("2020", "2020"),
                                         ("2020-04-15", "2020-12-27"), ("2021", None)])
def test_the_date_columns_range_is_the_date_filters(outlets_index, corpus_index, since, until):
    from search.query import date_filter

    for index in (outlets_index, corpus_index):
        with Archive(index) as archive:
            engine = archive.engine
            by_postings = set(engine.searcher.docs_for_query(date_filter(since, until)))
            mask = engine.date_column().in_range(since, until)
            assert set(np.flatnonzero(mask).tolist()) == by_postings, (index, since, until)
