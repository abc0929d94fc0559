"""Tables out: CSV that spreadsheets read with umlauts intact, and every hit streamed."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from cli import main
from search import Archive
from search.export import BOM, SEARCH_COLUMNS, csv_lines, search_csv


def cli(index, *args):
    return CliRunner().invoke(main, ["--index", index, *args])


def read_csv(data):
    """Rows as a spreadsheet reads the bytes: UTF-8 with its BOM, RFC 4180."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_search_csv_round_trips_umlauts_and_quotes(outlets_index):
    r = cli(outlets_index, "search", "Söder", "--format", "csv")
    assert r.exit_code == 0, r.output
    raw = r.stdout_bytes
    assert raw.startswith(BOM.encode("utf-8"))
    assert raw.count(b"\r\n") == 4 and b"\n" not in raw.replace(b"\r\n", b"")
    table = read_csv(raw)
    with Archive(outlets_index) as archive:
        page = archive.search("Söder", facets=0, snippets=1)
    assert table[0] == SEARCH_COLUMNS
    assert [row[1] for row in table[1:]] == [h["id"] for h in page["hits"]]
    for row, hit in zip(table[1:], page["hits"]):
        assert dict(zip(SEARCH_COLUMNS, row)) == {
            "rank": str(hit["rank"]), "id": hit["id"], "date": hit["date"],
            "source": hit["source"], "title": hit["title"], "url": hit["url"],
            "persons": "; ".join(hit["persons"]), "places": "; ".join(hit["places"]),
            "score": str(hit["score"]),
            "snippet": " ".join(hit["snippets"][0]["text"].split())}
    assert "Söder lobt die Disziplin der Bürger" in {row[4] for row in table}
    # The snippets hold commas: quoted, and read back whole.
    assert any("," in row[9] for row in table[1:])
    assert all("[[" not in row[9] for row in table[1:])


def test_no_bom_on_request_and_excel_encoding_would_garble_without_it(outlets_index):
    raw = cli(outlets_index, "facets", "source", "--format", "csv", "--no-bom").stdout_bytes
    assert raw.startswith(b"value,count\r\n")
    assert read_csv(raw)[1:] == [["Märkischer Bote", "4"], ["rheinblatt.de", "2"],
                                 ["www.Alpenpost.at", "2"], ["RHEINBLATT.DE", "1"]]
    # What the BOM is for: the same bytes read as Windows-1252 (Excel without it).
    assert "MÃ¤rkischer Bote" in raw.decode("cp1252", "replace")


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_kept_text(outlets_index):
    table = read_csv(cli(outlets_index, "search", "Frost", "--format", "csv").stdout_bytes)
    assert table[1][4] == "'-5 Grad: Frost im Oderbruch überrascht die Gärtner"
    lines = "".join(csv_lines(["a", "b"], [["=HYPERLINK(\"http://x\")", -3],
                                           ["@SUMME(A1)", "Zeile\nzwei"]], bom=False))
    assert lines == ('a,b\r\n"\'=HYPERLINK(""http://x"")",-3\r\n'
                     '\'@SUMME(A1),"Zeile\nzwei"\r\n')


def test_all_streams_every_hit_in_the_search_order(outlets_index, samples_index):
    for index, args in ((outlets_index, ["Söder"]), (outlets_index, ["--source", "bote"]),
                        (samples_index, ["Wahl"]), (samples_index, ["*", "--sort", "date"]),
                        (samples_index, ["Wann wurde gewählt?"]),
                        (samples_index, ["*", "--sort", "date-asc"])):
        every = cli(index, "search", *args, "--all", "--format", "jsonl")
        assert every.exit_code == 0, every.output
        streamed = [json.loads(line) for line in every.stdout.splitlines()]
        page = json.loads(cli(index, "search", *args, "--limit", "100", "--snippets", "1",
                              "--format", "json").stdout)
        assert len(streamed) == page["total"] > 0
        assert streamed == page["hits"], args
        table = read_csv(cli(index, "search", *args, "--all", "--format", "csv").stdout_bytes)
        assert [row[1] for row in table[1:]] == [h["id"] for h in page["hits"]]


def test_all_makes_one_hit_at_a_time(samples_index):
    """The generator holds the ranked document numbers, and reads an article's stored
    fields and snippet only when its hit is asked for."""
    with Archive(samples_index) as archive:
        engine = archive.engine
        made = []
        real_hit = engine.hit

        def counting_hit(rank, *args, **kwargs):
            made.append(rank)
            return real_hit(rank, *args, **kwargs)

        engine.hit = counting_hit
        hits = archive.iter_hits("*", sort="date")
        assert made == []
        first = next(hits)
        assert made == [1] and first["rank"] == 1
        rest = list(hits)
    assert made == list(range(1, 22)) and len(rest) == 20
    assert list(search_csv(iter([]), bom=False)) == [",".join(SEARCH_COLUMNS) + "\r\n"]


@pytest.mark.parametrize("args,message", [
    (["Söder", "--all"], "--all streams every hit as --format csv or jsonl"),
    (["Söder", "--all", "--format", "json"], "--all streams every hit"),
    (["--batch", "-", "--format", "csv"], "--batch answers in JSON Lines"),
])
def test_all_and_csv_refuse_what_they_cannot_do(outlets_index, args, message):
    r = cli(outlets_index, "search", *args)
    assert r.exit_code == 2 and message in r.stderr


def test_a_bad_filter_with_all_fails_before_writing_anything(outlets_index):
    r = cli(outlets_index, "search", "Söder", "--all", "--format", "csv", "--person", "Nobody")
    assert r.exit_code == 1 and r.stdout == "" and r.stderr.startswith("Error: ")
