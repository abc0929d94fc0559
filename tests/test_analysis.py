"""The German analysis chain on real German words."""

import json
import pathlib
import pickle

import pytest

from index.analysis import (ANALYZER_VERSION, GermanTokenizer, german_analyzer, stem_word,
                            stemmer_is_compiled)

GOLDEN = pathlib.Path(__file__).parent / "golden" / "stems.json"


def terms(text, **kw):
    return [t.text for t in german_analyzer()(text, **kw)]


@pytest.mark.parametrize("word,stem", sorted(json.loads(GOLDEN.read_text("utf-8")).items()))
def test_golden_stems(word, stem):
    assert stem_word(word) == stem


def test_the_c_stemmer_is_in_use():
    # Without PyStemmer snowballstemmer silently falls back to pure Python (60× slower).
    assert stemmer_is_compiled()


def test_umlauts_and_sharp_s_are_kept_whole_by_the_tokenizer():
    assert [t.text for t in GermanTokenizer()("Die Straße in Düsseldorf")] == \
        ["Die", "Straße", "in", "Düsseldorf"]


def test_stop_words_are_dropped_and_words_stemmed():
    assert terms("Die Lehrer und die Gewerkschaften streiken") == \
        ["lehr", "gewerkschaft", "streik"]


def test_hyphenated_word_yields_whole_and_parts():
    got = [(t.text, t.pos) for t in german_analyzer()("Der CDU-Chef sprach", positions=True)]
    assert got == [("cdu-chef", 0), ("cdu", 0), ("chef", 1), ("sprach", 2)]


def test_query_mode_yields_only_the_parts_of_a_hyphenated_word():
    assert terms("Corona-Krise", mode="query") == ["corona", "kris"]


def test_soft_hyphen_and_zero_width_space_are_removed_but_offsets_cover_them():
    text = "Das Impf\u00adzentrum und der Partei\u200btag"
    tokens = [(t.text, t.startchar, t.endchar)
              for t in german_analyzer()(text, chars=True)]
    assert [t[0] for t in tokens] == [stem_word("Impfzentrum"), stem_word("Parteitag")]
    assert [text[s:e] for _, s, e in tokens] == ["Impf\u00adzentrum", "Partei\u200btag"]


def test_gender_forms_index_both_readings_at_one_position():
    got = [(t.text, t.pos) for t in german_analyzer()("Bürger*innen und Lehrer:innen",
                                                       positions=True)]
    assert ("burg", 0) in got and ("lehr", 1) in got
    assert len({p for _, p in got}) == 2


def test_offsets_slice_the_source_text():
    text = "„Kim Jong Un“ traf Putin in Wostotschny – am 13. September 2023."
    seen = []
    for t in german_analyzer()(text, chars=True, removestops=False):
        surface = text[t.startchar:t.endchar]
        seen.append(surface)
        if not t.stopped:
            assert t.text == stem_word(surface)
    assert seen == ["Kim", "Jong", "Un", "traf", "Putin", "in", "Wostotschny", "am", "13",
                    "September", "2023"]


def test_positions_skip_stop_words_consistently_for_phrases():
    a = [(t.text, t.pos) for t in german_analyzer()("sagte der CDU-Chef", positions=True)]
    q = [t.text for t in german_analyzer()("sagte CDU-Chef", mode="query")]
    assert q == ["sagt", "cdu", "chef"]
    parts = [p for w, p in a if w in q]
    assert parts == [0, 1, 2] or sorted(set(parts)) == [0, 1, 2]


def test_analyzer_pickles_with_the_schema():
    a = german_analyzer()
    b = pickle.loads(pickle.dumps(a))
    assert [t.text for t in b("Hauptbahnhöfen")] == [t.text for t in a("Hauptbahnhöfen")]


def test_analyzer_version_is_recorded():
    from index.schema import index_metadata
    assert index_metadata()["analyzer_version"] == ANALYZER_VERSION
