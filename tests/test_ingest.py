"""Reading articles: the seed's plain-text layout, JSON Lines, gzip, stdin, folders."""

import gzip
import io
import json

import pytest

from conftest import CORPUS, SEED
from index.errors import ArticleError
from index.ingest import Article, ArticleDate, Warning_, read_articles


def articles(paths, **kw):
    return [a for a in read_articles([str(p) for p in paths], **kw) if isinstance(a, Article)]


def problems(paths, **kw):
    return [a for a in read_articles([str(p) for p in paths], **kw)
            if isinstance(a, ArticleError)]


def test_seed_article_is_read_with_month_precision():
    (a,) = articles([SEED])
    assert a.id == "000_d78a48386e0168e9"
    assert a.title == "Putin und Kim am Mittwoch in Wostotschny"
    assert a.date.display == "2023-09" and a.date.precision == "month"
    assert (a.date.lo, a.date.hi) == (20230901, 20230930)
    assert a.text.startswith("Bei seinem vielbeachteten Besuch in Russland")
    assert "\n\n" in a.text and not a.text.endswith("\n")


def test_header_without_leading_space_and_with_a_day(write_article):
    p = write_article("lehrer.txt", "date 2020-09-14 Ein Lehrer zwischen Maske und Tafel",
                      "Erster Absatz.\n\nZweiter Absatz.")
    (a,) = articles([p])
    assert a.date.display == "2020-09-14" and a.date.precision == "day"
    assert a.text == "Erster Absatz.\n\nZweiter Absatz."


@pytest.mark.parametrize("value,display,precision,lo,hi", [
    ("2020-03-05T18:31:04+01:00", "2020-03-05", "time", 20200305, 20200305),
    ("2020-03-05T18:31:04", "2020-03-05", "time", 20200305, 20200305),
    ("2024-05-03T15:47:42.389000+00:00", "2024-05-03", "time", 20240503, 20240503),
    ("2020-03-05", "2020-03-05", "day", 20200305, 20200305),
    ("2020-02", "2020-02", "month", 20200201, 20200229),
    ("2021", "2021", "year", 20210101, 20211231),
])
def test_date_shapes_keep_their_precision(value, display, precision, lo, hi):
    d = ArticleDate.parse(value)
    assert (d.display, d.precision, d.lo, d.hi) == (display, precision, lo, hi)


@pytest.mark.parametrize("bad", ["2020-13", "2020-02-30", "gestern", "20-03-2020"])
def test_impossible_dates_are_rejected(bad):
    with pytest.raises(ValueError):
        ArticleDate.parse(bad)


def test_corpus_folder_reads_text_and_jsonl_recursively():
    got = {a.id: a for a in articles([CORPUS])}
    assert len(got) == 13
    x01 = got["x01_us-wahl-biden"]
    assert x01.source == "Fundstelle Testdienst"
    assert x01.url.startswith("https://example.org/")
    assert x01.meta == {"section": "Ausland"}
    assert x01.date.value == "2020-11-07T18:31:04+01:00"


def test_jsonl_title_may_be_empty_and_other_keys_are_kept(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps({"id": 7, "title": None, "text": "Köln im Regen.",
                             "label": "real", "section": None}, ensure_ascii=False) + "\n",
                 encoding="utf-8")
    (a,) = articles([p])
    assert (a.id, a.title, a.text) == ("7", "", "Köln im Regen.")
    assert a.meta == {"label": "real", "section": None}
    assert a.date is None


def test_gzip_and_stdin(tmp_path):
    rows = [{"id": f"g{i}", "title": "Titel", "text": f"Text Nummer {i} über Düsseldorf"}
            for i in range(3)]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    gz = tmp_path / "a.jsonl.gz"
    gz.write_bytes(gzip.compress(data))
    assert [a.id for a in articles([gz])] == ["g0", "g1", "g2"]
    assert [a.id for a in articles(["-"], stdin=io.BytesIO(data))] == ["g0", "g1", "g2"]


def test_bad_jsonl_lines_name_file_and_line(tmp_path):
    p = tmp_path / "b.jsonl"
    p.write_text('{"id": "ok", "text": "Gut."}\n[1, 2]\n{"id": "x"}\nkein json\n'
                 '{"text": "ohne id"}\n{"id": "ok2", "text": "Auch gut."}\n', encoding="utf-8")
    assert [a.id for a in articles([p])] == ["ok", "ok2"]
    errs = problems([p])
    assert [(e.line, e.source) for e in errs] == [(2, str(p)), (3, str(p)), (4, str(p)),
                                                   (5, str(p))]
    assert "expected a JSON object" in errs[0].problem
    assert "missing 'text'" in errs[1].problem
    assert "not valid JSON" in errs[2].problem
    assert "missing 'id'" in errs[3].problem


def test_missing_header_and_empty_file_are_rejected_with_the_fix(tmp_path):
    (tmp_path / "ohne.txt").write_text("Nur ein Absatz ohne Kopfzeile.\n", encoding="utf-8")
    (tmp_path / "leer.txt").write_text("", encoding="utf-8")
    errs = {e.source.rsplit("/", 1)[-1]: e.problem for e in problems([tmp_path])}
    assert "date YYYY-MM Title" in errs["ohne.txt"]
    assert errs["leer.txt"].startswith("empty file")


def test_latin1_file_is_read_with_a_warning(tmp_path):
    p = tmp_path / "alt.txt"
    p.write_bytes(" date 2020-05 Größere Maßnahmen\n\nDie Bürger in Köln.\n".encode("cp1252"))
    items = list(read_articles([str(p)]))
    assert any(isinstance(i, Warning_) and "UTF-8" in i.message for i in items)
    (a,) = [i for i in items if isinstance(i, Article)]
    assert a.title == "Größere Maßnahmen" and a.text == "Die Bürger in Köln."


def test_missing_path_is_reported():
    (e,) = problems(["/nonexistent/artikel"])
    assert "no such file" in e.problem
