"""Hostile input: every bad file gets one line naming the file (and line) and the problem,
the other articles are indexed, and the exit status says that something failed.

The fixtures in tests/fixtures/bad (see its README) are the static cases; cases that
need a file system trick (links, vanishing files) or size are made here.
"""

import gzip
import io
import json
import os
import pathlib
import shutil

import pytest
from click.testing import CliRunner

from cli import main
from conftest import CORPUS, corpus_sentences
from index import ingest
from index.build import index_paths
from index.errors import ArticleError
from index.store import IndexStore

BAD = pathlib.Path(__file__).resolve().parent / "fixtures" / "bad"
GOOD = ["04_baer-bayerischer-wald.txt", "08_laschet-cdu-chef.txt"]

#: fixture → (line or None, words the one message must contain, "error" or "warning")
CASES = {
    "binary.txt": (None, ["binary"], "error"),
    "latin1.txt": (None, ["not valid UTF-8", "Windows-1252"], "warning"),
    "empty.txt": (None, ["empty file"], "error"),
    "no_header.txt": (None, ["first line", "date YYYY-MM Title", "add that header"], "error"),
    "bad_date.txt": (None, ["bad date", "month 13"], "error"),
    "truncated.jsonl.gz": (2, ["truncated gzip", "lines before were read"], "error"),
}
JSONL_CASES = {
    2: ["expected a JSON object", "list"],
    3: ["missing 'text'"],
    4: ["not valid JSON"],
    5: ["missing 'id'"],
}


def invoke(index, *args):
    r = CliRunner().invoke(main, ["--index", str(index), "index", "--no-entities", *map(str, args)],
                           catch_exceptions=False)
    return r


def stored_ids(index):
    with IndexStore.open(index).searcher() as s:
        return sorted(f["id"] for f in s.all_stored_fields())


def messages_about(stderr, path, line=None):
    where = f"{path}:{line}:" if line is not None else f"{path}:"
    return [m for m in stderr.splitlines() if where in m]


@pytest.fixture
def archive(tmp_path):
    """A folder with every bad fixture beside two good corpus articles."""
    folder = tmp_path / "archiv"
    folder.mkdir()
    for name in list(CASES) + ["bad_lines.jsonl", "ansi.txt"]:
        shutil.copy(BAD / name, folder / name)
    for name in GOOD:
        shutil.copy(CORPUS / name, folder / name)
    return folder


def test_every_fixture_gets_one_line_naming_file_and_problem(archive, tmp_path):
    r = invoke(tmp_path / "ix", archive)
    assert r.exit_code == 1
    assert r.stdout == ""
    for name, (line, words, kind) in CASES.items():
        found = messages_about(r.stderr, archive / name, line)
        assert len(found) == 1, (name, r.stderr)
        assert found[0].startswith(f"{kind}: ")
        for w in words:
            assert w in found[0], (name, found[0])
    for line, words in JSONL_CASES.items():
        found = messages_about(r.stderr, archive / "bad_lines.jsonl", line)
        assert len(found) == 1 and all(w in found[0] for w in words), (line, r.stderr)
    assert not messages_about(r.stderr, archive / "ansi.txt")
    assert "Traceback" not in r.stderr


def test_the_other_articles_are_indexed(archive, tmp_path):
    index = tmp_path / "ix"
    invoke(index, archive)
    assert stored_ids(index) == sorted(
        ["04_baer-bayerischer-wald", "08_laschet-cdu-chef", "ansi", "latin1",
         "badlines_ok1", "badlines_ok6", "trunc_01"])
    latin = IndexStore.open(index).get("latin1")
    assert "Große" in latin.title and "Köln" in latin.title and "Bär" in latin.title
    assert "Straße" in latin.text and "Ã" not in latin.text


@pytest.mark.parametrize("name", sorted(CASES) + ["bad_lines.jsonl"])
def test_exit_status_for_each_fixture_alone(name, tmp_path):
    index = tmp_path / "ix"
    r = invoke(index, BAD / name, CORPUS / GOOD[0])
    kind = CASES.get(name, (None, None, "error"))[2]
    assert r.exit_code == (0 if kind == "warning" else 1), r.stderr
    assert "04_baer-bayerischer-wald" in stored_ids(index)
    summary = r.stderr.strip().splitlines()[-1]
    assert "failed" in summary and str(index) in summary


def test_messages_are_one_line_each_and_name_the_file(archive, tmp_path):
    r = invoke(tmp_path / "ix", archive)
    for m in r.stderr.strip().splitlines()[:-1]:
        assert m.startswith(("error: ", "warning: ")), m
        assert str(archive) in m


def test_a_long_article_is_indexed_whole_and_the_snippet_is_where_the_match_is(tmp_path):
    sentences = corpus_sentences()
    body, i = [], 0
    while sum(len(s) + 1 for s in body) < 300_000:
        body.append(sentences[i % len(sentences)])
        i += 1
    body.insert(len(body) - 5, "Am Ende tauchte der Quetzalkoatl im Stadtarchiv auf.")
    text = " ".join(body)
    assert len(text) > 300_000
    (tmp_path / "lang.txt").write_text(f" date 2020-05-04 Ein sehr langer Bericht\n\n{text}\n",
                                       encoding="utf-8")
    index = tmp_path / "ix"
    assert invoke(index, tmp_path / "lang.txt").exit_code == 0
    assert IndexStore.open(index).get("lang").text == text
    r = CliRunner().invoke(main, ["--index", str(index), "search", "Quetzalkoatl",
                                  "--format", "json"], catch_exceptions=False)
    hit = json.loads(r.stdout)["hits"][0]
    assert hit["id"] == "lang"
    snip = hit["snippets"][0]
    s, e = snip["matches"][0]
    assert snip["text"][s:e] == "Quetzalkoatl"


def test_an_article_over_the_limit_is_rejected_with_its_size(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_ARTICLE_BYTES", 50_000)
    big = " date 2020-05-04 Zu groß\n\n" + "Der Bär schläft. " * 4000
    (tmp_path / "riesig.txt").write_text(big, encoding="utf-8")
    rows = [{"id": "j1", "text": "Der Bär schläft im Wald."},
            {"id": "j2", "text": "Der Bär schläft. " * 4000},
            {"id": "j3", "text": "Der Bär wacht auf."}]
    (tmp_path / "viele.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    index = tmp_path / "ix"
    r = invoke(index, tmp_path)
    assert r.exit_code == 1
    assert len(messages_about(r.stderr, tmp_path / "riesig.txt")) == 1
    assert "larger than 0.05 MB" in r.stderr
    assert len(messages_about(r.stderr, tmp_path / "viele.jsonl", 2)) == 1
    assert stored_ids(index) == ["j1", "j3"]


def test_the_real_limit_is_five_megabytes():
    assert ingest.MAX_ARTICLE_BYTES == 5_000_000


def test_a_symlink_loop_is_reported_once_and_the_rest_indexed(tmp_path):
    top = tmp_path / "archiv"
    (top / "2020").mkdir(parents=True)
    shutil.copy(CORPUS / GOOD[0], top / "2020" / GOOD[0])
    os.symlink("..", top / "2020" / "zurueck")
    os.symlink("selbst.txt", top / "selbst.txt")
    index = tmp_path / "ix"
    r = invoke(index, top)
    assert r.exit_code == 1
    loop = messages_about(r.stderr, top / "2020" / "zurueck")
    assert len(loop) == 1 and "symbolic link loop" in loop[0]
    self_link = messages_about(r.stderr, top / "selbst.txt")
    assert len(self_link) == 1 and "symbolic link loop" in self_link[0]
    assert stored_ids(index) == ["04_baer-bayerischer-wald"]


def test_a_file_that_vanishes_mid_run_is_reported(tmp_path):
    folder = tmp_path / "archiv"
    folder.mkdir()
    for name in GOOD:
        shutil.copy(CORPUS / name, folder / name)
    shutil.copy(CORPUS / "09_impfstart-hannover.txt", folder / "09_impfstart-hannover.txt")
    problems = []

    def delete_the_last(n):
        if n == 1:
            os.remove(folder / "09_impfstart-hannover.txt")

    summary = index_paths(str(tmp_path / "ix"), [str(folder)], entities=False,
                          progress=delete_the_last, report=problems.append)
    assert summary.failed == 1 and summary.added == 2
    [p] = problems
    assert p.source.endswith("09_impfstart-hannover.txt") and "vanished" in p.problem


def test_an_unreadable_file_is_reported(tmp_path, monkeypatch):
    # Root reads any file whatever its mode, so the refusal is simulated.
    folder = tmp_path / "archiv"
    folder.mkdir()
    for name in GOOD:
        shutil.copy(CORPUS / name, folder / name)
    real_open = open

    def refusing_open(path, *args, **kwargs):
        if str(path).endswith(GOOD[1]):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(ingest, "open", refusing_open, raising=False)
    items = list(ingest.read_articles([str(folder)]))
    errors = [i for i in items if isinstance(i, ArticleError)]
    assert [e.problem for e in errors] == ["cannot be read: Permission denied"]
    assert errors[0].source.endswith(GOOD[1])
    assert [i.id for i in items if isinstance(i, ingest.Article)] == ["04_baer-bayerischer-wald"]


def test_a_read_error_in_the_middle_of_json_lines_keeps_the_lines_before():
    class Failing(io.BytesIO):
        def readline(self, *args):
            line = super().readline(*args)
            if self.tell() > 60:
                raise OSError(5, "Input/output error")
            return line

    stream = Failing(b'{"id": "a", "text": "Der B\xc3\xa4r."}\n' * 3)
    items = list(ingest.read_jsonl_stream(stream, "netz.jsonl"))
    assert [i.id for i in items if isinstance(i, ingest.Article)] == ["a"]
    err = items[-1]
    assert isinstance(err, ArticleError) and "after line 1" in err.problem
    assert "Input/output error" in err.problem


def test_json_lines_edge_cases(tmp_path):
    lines = [
        b'\xef\xbb\xbf{"id": "bom", "text": "Mit Byte Order Mark aus Windows."}',
        b'{"id": "cp", "text": "Gr\xf6\xdfe \xfcber alles"}',
        b'{"id": "sur", "text": "Kaputt \\ud800 aber lesbar"}',
        b'{"id": "typ", "title": 7, "text": "Titel ist eine Zahl"}',
        b'{"id": "dat", "text": "Datum kaputt", "date": "2020-02-30"}',
        b'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
        b'"nur ein String"',
        b'{"id": true, "text": "id ist bool"}',
    ]
    (tmp_path / "kanten.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    index = tmp_path / "ix"
    r = invoke(index, tmp_path / "kanten.jsonl")
    assert r.exit_code == 1
    p = tmp_path / "kanten.jsonl"
    expect = {2: ("warning", "not valid UTF-8"), 3: ("warning", "lone surrogates"),
              4: ("error", "'title' must be a string"), 5: ("error", "bad 'date'"),
              6: ("error", "not valid JSON"), 7: ("error", "expected a JSON object"),
              8: ("error", "'id' must be a string or a number")}
    for line, (kind, words) in expect.items():
        found = messages_about(r.stderr, p, line)
        assert len(found) == 1 and found[0].startswith(kind) and words in found[0], (line, r.stderr)
    assert stored_ids(index) == ["bom", "cp", "sur"]
    store = IndexStore.open(index)
    assert store.get("cp").text == "Größe über alles"
    assert store.get("sur").text == "Kaputt \ufffd aber lesbar"


def test_binary_json_lines_and_a_fake_gzip_give_one_message_each(tmp_path):
    (tmp_path / "muell.jsonl").write_bytes(b"\x00\x01\x02garbage\n" * 500)
    (tmp_path / "falsch.jsonl.gz").write_bytes(b'{"id": "x", "text": "kein gzip"}\n')
    r = invoke(tmp_path / "ix", tmp_path)
    assert r.exit_code == 1
    assert len(messages_about(r.stderr, tmp_path / "muell.jsonl", 1)) == 1
    assert "binary data" in r.stderr
    found = messages_about(r.stderr, tmp_path / "falsch.jsonl.gz")
    assert len(found) == 1 and "not a gzip file" in found[0]
    assert len(r.stderr.strip().splitlines()) == 3


def test_the_same_id_twice_in_one_run_is_reported_and_not_doubled(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(CORPUS / GOOD[0], tmp_path / sub / GOOD[0])
    index = tmp_path / "ix"
    r = invoke(index, tmp_path / "a", tmp_path / "b")
    assert r.exit_code == 1
    [m] = messages_about(r.stderr, tmp_path / "b" / GOOD[0])
    assert "'04_baer-bayerischer-wald' was already read from" in m and "skipped" in m
    assert str(tmp_path / "a" / GOOD[0]) in m
    assert "1 duplicate ids" in r.stderr
    assert stored_ids(index) == ["04_baer-bayerischer-wald"]


def test_a_missing_path_is_reported_and_the_rest_indexed(tmp_path):
    index = tmp_path / "ix"
    r = invoke(index, tmp_path / "gibtsnicht", CORPUS / GOOD[0])
    assert r.exit_code == 1
    [m] = messages_about(r.stderr, tmp_path / "gibtsnicht")
    assert "no such file or directory" in m
    assert stored_ids(index) == ["04_baer-bayerischer-wald"]


def test_a_truncated_gzip_never_indexes_half_a_line(tmp_path):
    data = (BAD / "truncated.jsonl.gz").read_bytes()
    with pytest.raises(EOFError):
        gzip.decompress(data)
    items = list(ingest.read_file(str(BAD / "truncated.jsonl.gz")))
    assert [i.id for i in items if isinstance(i, ingest.Article)] == ["trunc_01"]

