"""Snippets: German sentence boundaries, highlights of compound parts, match reasons."""

import re

import pytest

from index.analysis import stem_word
from search.snippets import TermMatcher, make_snippets, sentence_spans


def sentences(text):
    return [text[s:e] for s, e in sentence_spans(text)]


@pytest.mark.parametrize("text, expected", [
    ("Das gilt z. B. für Bayern. Dann kam der Regen.",
     ["Das gilt z. B. für Bayern.", "Dann kam der Regen."]),
    ("Dr. Anna Schmidt impft. Sie kam am 3. Oktober. Halle Nr. 5 ist offen.",
     ["Dr. Anna Schmidt impft.", "Sie kam am 3. Oktober.", "Halle Nr. 5 ist offen."]),
    ("Er sagte: „Wir schaffen das.“ Dann ging er.",
     ["Er sagte: „Wir schaffen das.“", "Dann ging er."]),
    ("Das war im 19. Jahrhundert. Heute nicht mehr!",
     ["Das war im 19. Jahrhundert.", "Heute nicht mehr!"]),
])
def test_sentences_end_at_periods_but_not_after_abbreviations_and_ordinals(text, expected):
    assert sentences(text) == expected


def matcher(*words):
    return TermMatcher({stem_word(w) for w in words}, words=list(words))


def test_a_match_inside_a_compound_highlights_only_the_part():
    snips = make_snippets("Die Bundeswehr übte mit Mehrfachraketenwerfern.",
                          matcher("Raketenwerfer"))
    assert snips[0].marked() == "Die Bundeswehr übte mit Mehrfach[[raketenwerfern]]."


def test_fragments_never_end_mid_word():
    text = " ".join(["Der Impfstoff wurde in der Halle verteilt und gelobt."] * 30)
    for s in make_snippets(text, matcher("Impfstoff"), fragment_chars=80):
        end = s.start + len(s.text)
        assert end == len(text) or not text[end].isalnum()
        assert s.start == 0 or not text[s.start - 1].isalnum()


@pytest.mark.parametrize("typed, text, surface, how", [
    ("Lehrer", "Der Lehrer kam.", "Lehrer", "exact"),
    ("Rakete", "Die Raketen flogen.", "Raketen", "stem"),
    ("Koeln", "In Köln regnet es.", "Köln", "spelling"),
    ("Strasse", "Auf der Straße.", "Straße", "spelling"),
    ("Raketenwerfer", "Ein Mehrfachraketenwerfer.", "raketenwerfer", "compound"),
])
def test_explain_says_how_each_word_matched(typed, text, surface, how):
    [reason] = matcher(typed).explain(text)
    assert (reason.query_word, reason.surface, reason.how) == (typed, surface, how)


def test_hits_in_json_carry_match_reasons(engine):
    hit = engine.search("Raketenwerfer Koeln").hits[0]
    d = hit.to_dict()
    assert {"query", "surface", "field", "how"} <= set(d["matched"][0])
    r = engine.search("Duesseldorf")
    how = {(m.surface, m.how) for h in r.hits for m in h.matched}
    assert ("Düsseldorf", "spelling") in how and ("Duesseldorf", "exact") in how


@pytest.mark.parametrize("typed", [
    ["Lehrer", "Gewerkschaft"], ["Koeln"], ["Köln"], ["Strasse"], ["Raketenwerfer"],
    ["Bahnhof"], ["Düsseldorf", "Sperrstunde"], ["Impfstoff", "Hannover"], ["Bär"],
    ["Schule"], ["Wetter", "Sturm", "Zug"],
])
def test_long_texts_find_exactly_the_matches_a_full_token_scan_finds(typed):
    from conftest import CORPUS, SAMPLES

    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))
             + sorted(SAMPLES.glob("*.txt"))]
    # Long texts take the fast path: short corpus articles are doubled.
    texts = [t if len(t) > 1000 else t + "\n\n" + t for t in texts]
    texts.append(" ".join(texts))
    texts.append("Die Stra\u00adße nach K\u00f6ln: Koelner Lehrer\u00ADinnen. " * 40)
    m = TermMatcher({stem_word(w) for w in typed}, words=typed)
    found_any = False
    for text in texts:
        assert len(text) > 1000
        full_scan = list(m._matches(text, 0, len(text)))  # every token, one by one
        assert m.matches(text) == full_scan
        found_any = found_any or bool(full_scan)
    assert found_any, typed


@pytest.mark.parametrize("typed", [
    ["Lehrer", "Gewerkschaft"], ["Koeln"], ["Strasse"], ["Raketenwerfer"], ["Hochwasser"],
    ["Düsseldorf", "Sperrstunde"], ["Bär"], ["Wetter", "Sturm", "Zug"],
])
def test_titles_short_texts_and_soft_hyphens_find_what_a_full_token_scan_finds(typed):
    # Every text takes the fast path now, and soft hyphens are taken out of the copy
    # it scans: the places it finds are moved back to the text's own offsets.
    from conftest import CORPUS, SAMPLES

    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))
             + sorted(SAMPLES.glob("*.txt"))]
    short = [line for t in texts for line in t.splitlines() if line.strip()][:400]
    hyphenated = [re.sub(r"(\w{3})(\w{3})", "\\1\u00ad\\2", t) for t in texts[:12]]
    zero_width = [t.replace("er", "e\u200br", 3) for t in short[:100]]
    m = TermMatcher({stem_word(w) for w in typed}, words=typed)
    found = 0
    for text in short + hyphenated + zero_width + ["Die Stra\u00adße nach K\u00f6ln"]:
        full_scan = list(m._matches(text, 0, len(text)))  # every token, one by one
        assert m.matches(text) == full_scan, text
        found += bool(full_scan)
    assert found, typed


@pytest.mark.parametrize("typed", [["Lehrer"], ["Corona", "Schule"], ["Köln"], ["Regierung"],
                                   ["sagte"], ["Bayern", "Söder"]])
def test_splitting_only_the_text_near_matches_gives_the_same_snippets(typed, monkeypatch):
    import gzip
    import itertools
    import json

    from conftest import CORPUS, SAMPLES, SHARED
    from search import snippets

    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))
             + sorted(SAMPLES.glob("*.txt"))]
    fang = SHARED / "data" / "fang-covid" / "articles.jsonl.gz"
    if fang.exists():  # long real articles, read from ../shared, never copied
        with gzip.open(fang, "rt", encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in itertools.islice(f, 0, 3000, 30)]
    m = TermMatcher({stem_word(w) for w in typed}, words=typed)
    near = [make_snippets(t, m, max_fragments=3, fragment_chars=fc)
            for t in texts for fc in (120, 260)]
    monkeypatch.setattr(snippets, "_spans_near",
                        lambda text, matches, reach: snippets.sentence_spans(text))
    whole = [make_snippets(t, m, max_fragments=3, fragment_chars=fc)
             for t in texts for fc in (120, 260)]
    assert near == whole
    assert sum(1 for frags in whole if any(f.matches for f in frags)) > 3


def test_a_compound_part_marks_only_its_own_forms(tmp_path):
    # Snowball gives "höchsten" and "Höchst" (of "Höchststand") the stem of "hoch":
    # Hochwasser's part "hoch" must not mark them; "Wasser" is a form of its part.
    from index.build import index_paths
    from search import SearchEngine

    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "flut.txt").write_text(
        "date 2021-07-15 Hochwasser in Passau: Donau erreicht Höchststand\n\n"
        "In Passau hat die Donau ihren Höchststand erreicht, über der höchsten "
        "Meldestufe. Die Altstadt stand unter Wasser. Das Hochwasser geht langsam zurück.\n",
        encoding="utf-8")
    index_paths(str(tmp_path / "ix"), [str(folder)], entities=False)
    with SearchEngine(str(tmp_path / "ix")) as engine:
        hit = engine.search("Hochwasser Passau").hits[0]
    surfaces = {m.surface for m in hit.matched}
    assert {"Hochwasser", "Passau", "Wasser"} <= surfaces
    assert not {s for s in surfaces if s.lower().startswith("höchst")}
    marked = " ".join(s.marked() for s in hit.snippets) + hit.title
    assert "[[Höchst" not in marked and "[[höchst" not in marked
    assert ("Wasser", "compound") in {(m.surface, m.how) for m in hit.matched}
