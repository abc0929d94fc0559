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


# ------------------------------------------------------------------ one word without the chain

SHARED_SAMPLE = (pathlib.Path(__file__).resolve().parent.parent.parent / "shared" / "data"
                 / "fang-covid" / "sample-300.jsonl")
TRICKY_WORDS = ["der", "CDU-und-SPD", "Die-Linke", "Bürger*innen", "Ein*innen", "Sie*in",
                "Hin-und-her", "und-Chef", "Chef-und", "Verkehrs\u00administer", "xqzj",
                "XQZJ-zjqx-jxzq", "Bürger\u00ad*innen", "Lehrer:innen", "Kolleg_innen", "a-b-c",
                "Haupt\u200bbahnhöfen", "die-die", "Die*in", "dies-\u00ad", "Mehrfachraketenwerfern",
                "Gesundheitsministerium", "Bundeskanzlerin-Merkel", "MINISTERIUMS", "Ärzte*innen"]


def _chain_analysis(words):
    """Each word through the analyzer's own filters, as the word cache did before."""
    from index.postings import WordCachePositions

    return dict(WordCachePositions()._analyse_all(german_analyzer(), list(words)))


def _corpus_words():
    from conftest import CORPUS, SAMPLES
    from index.analysis import WORD_RE

    # Our own articles (test corpus and shipped samples); FANG's too where ../shared is.
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))
             + sorted(SAMPLES.glob("*.txt"))]
    if SHARED_SAMPLE.exists():
        with open(SHARED_SAMPLE, encoding="utf-8") as f:
            for line in f:
                article = json.loads(line)
                texts += [article.get("title") or "", article.get("text") or ""]
    return dict.fromkeys(w for t in texts for w in WORD_RE.findall(t))


def test_word_analysis_gives_what_the_chain_gives():
    from index.analysis import IndexWordAnalysis

    words = list(_corpus_words()) + TRICKY_WORDS
    analyse = IndexWordAnalysis.of(german_analyzer())
    want = _chain_analysis(words)
    assert len(words) > 1000
    assert {w: analyse(w) for w in words} == want


def test_word_analysis_only_stands_for_the_german_chain():
    from whoosh.analysis import StandardAnalyzer

    from index.analysis import IndexWordAnalysis

    assert IndexWordAnalysis.of(StandardAnalyzer()) is None
    from whoosh.analysis import StopFilter

    assert IndexWordAnalysis.of(german_analyzer() | StopFilter()) is None
    assert IndexWordAnalysis.of(pickle.loads(pickle.dumps(german_analyzer()))) is not None


try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    _LETTERS = st.sampled_from(list("aäbdeinorsßtuüzADSÜ09-\u2011\xad\u200b*:_/") + [
        "und", "die", "in", "innen", "haupt", "bahn", "hof", "minister", "ium", "s", "en"])

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_LETTERS, min_size=1, max_size=14).map("".join))
    def test_word_analysis_gives_what_the_chain_gives_on_any_word(text):
        from index.analysis import WORD_RE, IndexWordAnalysis

        words = list(dict.fromkeys(WORD_RE.findall(text)))
        analyse = IndexWordAnalysis.of(german_analyzer())
        assert {w: analyse(w) for w in words} == _chain_analysis(words)
