"""Tests for index.text: the invisible characters and the German sentence splitter, one
definition each for the analyzer, the entity tagger and the snippets."""

import json
import pathlib

import pytest

from index.analysis import german_analyzer
from index.entities import default_extractor, tokenize
from index.text import INVISIBLE, sentence_spans, sentence_spans_near, strip_invisible
from search.snippets import TermMatcher, make_snippets
from tests.conftest import CORPUS, SAMPLES

GOLDEN = pathlib.Path(__file__).parent / "golden" / "articles-sentences-entities.json"


def _articles():
    """(key, title, body) of samples/ and tests/corpus, as the golden file names them."""
    out = []
    for folder, name in ((SAMPLES, "samples"), (CORPUS, "tests/corpus")):
        for path in sorted(folder.glob("*.txt")):
            head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
            out.append((f"{name}/{path.name}", head.splitlines()[0], body))
    return out


@pytest.mark.parametrize("ch", list(INVISIBLE))
def test_each_invisible_character_is_dropped_alike_by_analyzer_tagger_and_snippets(ch):
    """"Gesund{ch}heits{ch}minister Lauterbach": one word to the analyzer and the tagger, and a
    snippet highlights all of it, invisible characters inside."""
    text = f"Der Gesund{ch}heits{ch}minister Karl Lauter{ch}bach besuchte Köln."
    assert strip_invisible(text) == "Der Gesundheitsminister Karl Lauterbach besuchte Köln."
    words = [t.text for t in german_analyzer()(text)]
    assert "gesundheitsminist" in words and "lauterbach" in words
    assert tokenize(text) == [["Der", "Gesundheitsminister", "Karl", "Lauterbach", "besuchte",
                               "Köln", "."]]
    assert default_extractor().extract("", text).persons == ("Karl Lauterbach",)
    snippet = make_snippets(text, TermMatcher({"gesundheitsminist"},
                                              words=["Gesundheitsminister"]))[0]
    (start, end), = snippet.matches
    assert snippet.text[start:end] == f"Gesund{ch}heits{ch}minister"


def test_sentences_of_samples_and_corpus_are_the_golden_ones():
    """The splitter gives the sentence spans it gave when it still lived in search/snippets.py
    (tests/golden/articles-sentences-entities.json, written before the move)."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    articles = _articles()
    assert len(articles) == len(golden) > 30
    for key, _, body in articles:
        assert [list(sp) for sp in sentence_spans(body)] == golden[key]["sentence_spans"], key


def test_sentences_near_matches_are_those_of_the_whole_text():
    for _, _, body in _articles():
        whole = sentence_spans(body)
        for at in range(0, len(body), 997):
            near = sentence_spans_near(body, [(at, min(at + 5, len(body)))], 260)
            assert near and all(sp in whole for sp in near)


def test_a_blank_line_ends_a_sentence_and_an_ellipsis_is_no_abbreviation():
    text = "Ein Titel ohne Punkt\n\nDas kam... Dann ging es weiter."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Ein Titel ohne Punkt", "Das kam...", "Dann ging es weiter."]
