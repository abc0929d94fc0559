"""The bulk scorer gives every query Whoosh's own scores, over segments and deletions."""

import shutil
from dataclasses import replace

import pytest

from conftest import CORPUS, SAMPLES
from search import SearchEngine
from search.ranking import Ranker, top
from search.settings import RankingSettings

QUERIES = [
    "Corona",
    "Lehrer Gewerkschaft",
    "Raketenwerfer",
    "Bahnhof",
    "Koeln",
    "Wie viele Menschen wurden in Italien geimpft",
    '"Robert Koch"',
    "Kanzler*",
    "Lehrer AND Schule",
    "Schule AND Lehrer AND Gewerkschaft",
    "Lehrer -Gewerkschaft",
    "Lehrer OR Bahnhof NOT Gewerkschaft",
    "title:Lehrer",
    "CDU-Chef",
    "Sturm-Bilanz Lehrer",
    "Mecklenburg-Vorpommern-Schulstart",
    "(Lehrer OR Schule) AND Gewerkschaft",
    "Gewerkschaft Lehrer fordern mehr Schutz",
    "Impfstof~",
    "Lehrergewerkschaft Schulstart",  # compound parts as a bonus (AndMaybe)
    "Hauptbahnhof Sturm -Lehrergewerkschaft",
    "Auto Nordkoreas",  # the other -s forms
    "*",
]


@pytest.fixture(scope="module")
def changed_index(tmp_path_factory):
    """An index written in two runs (several segments), then one article changed (a deletion)."""
    from index.build import index_paths

    root = tmp_path_factory.mktemp("ranking")
    first, second = root / "first", root / "second"
    shutil.copytree(CORPUS, first)
    shutil.copytree(SAMPLES, second)
    path = str(root / "index")
    index_paths(path, [str(first)])
    index_paths(path, [str(second)])
    changed = first / "06_gew-lehrer-schulstart.txt"  # matches most of QUERIES
    changed.write_text(changed.read_text(encoding="utf-8")
                       + "\nNachtrag: Die Lehrer und die Gewerkschaft streiten über Corona.\n",
                       encoding="utf-8")
    summary = index_paths(path, [str(first)])
    assert summary.updated == 1, summary
    return path


def whoosh_scores(searcher, q):
    return {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}


@pytest.mark.parametrize("text", QUERIES)
def test_bulk_scores_are_whooshs_scores(changed_index, text):
    with SearchEngine(changed_index) as engine:
        s = engine.searcher
        assert len(s.leaf_searchers()) > 1
        assert s.reader().has_deletions()
        q = engine.parse(text).query
        expected = whoosh_scores(s, q)
        got = Ranker(s).scores(q)
        assert got.keys() == expected.keys()
        if text.count(" AND ") >= 2 or text.count("-") >= 2:
            # Three ANDed (or ORed) parts are summed in another pairing than Whoosh's tree.
            assert all(got[d] == pytest.approx(v, rel=1e-12) for d, v in expected.items())
        else:
            assert got == expected
        if text != "*":
            assert expected, f"{text!r} should match something in the corpus"


def test_proximity_is_whooshs_for_the_best_articles_only(changed_index):
    text = "Die Lehrer und die Gewerkschaft streiten über Corona"
    with SearchEngine(changed_index) as engine:
        s = engine.searcher
        q = engine.parse(text).query
        assert type(q).__name__ == "WordsNearby"
        expected = whoosh_scores(s, q)
        words = Ranker(s).scores(q.subqueries[0])
        got = Ranker(s, replace(engine.settings, rerank_depth=3)).scores(q)
        assert got.keys() == expected.keys() and len(got) > 3
        best = sorted(words, key=lambda d: (-words[d], d))[:3]
        assert {d: got[d] for d in best} == {d: expected[d] for d in best}
        # 06 has "Die Lehrer und die Gewerkschaft streiten": a bonus on top of its words.
        assert any(got[d] > words[d] for d in best)
        assert all(got[d] == words[d] for d in got if d not in best)


def test_deleted_articles_are_never_scored(changed_index):
    with SearchEngine(changed_index) as engine:
        s = engine.searcher
        deleted = {d for d in range(s.reader().doc_count_all()) if s.reader().is_deleted(d)}
        assert deleted
        for text in ("Corona", "Lehrer Gewerkschaft", "*"):
            assert not deleted & Ranker(s).scores(engine.parse(text).query).keys()


def test_top_orders_by_score_then_document_number_like_whoosh(changed_index):
    with SearchEngine(changed_index) as engine:
        s = engine.searcher
        for text in ("Corona", "Lehrer Gewerkschaft", "*"):
            q = engine.parse(text).query
            expected = [(h.docnum, h.score) for h in s.search(q, limit=5)]
            assert top(*Ranker(s).ranked(q), 5) == expected


def test_kept_scores_of_common_words_are_the_scores_computed_anew(changed_index):
    # Every word counts as common here; the cache holds a few postings only, so
    # words are evicted (least recently used first) and computed again.
    with SearchEngine(changed_index) as engine:
        s = engine.searcher
        fresh = {t: Ranker(s).scores(engine.parse(t).query) for t in QUERIES}
        ranker = Ranker(s, replace(engine.settings, scored_cache_min=1,
                                   scored_cache_postings=12))
        for _ in range(2):  # the second round reads what the first kept
            for t in QUERIES:
                assert ranker.scores(engine.parse(t).query) == fresh[t], t
                assert ranker._scored_postings <= 12 or len(ranker._scored) == 1
        assert ranker._scored, "nothing was kept"


def test_segments_of_another_codec_are_scored_through_whoosh(changed_index, tmp_path):
    """A segment written with Whoosh's own codec (no term dictionary of ours to read
    in bulk): words are then scored by Whoosh's scorer and matchers."""
    from whoosh.codec.whoosh3 import W3Codec

    from index import codec
    from index.ingest import Article, read_articles
    from index.store import IndexStore, article_document

    path = tmp_path / "index"
    shutil.copytree(changed_index, path)
    store = IndexStore.open(path)
    w = store.ix.writer(codec=W3Codec())
    for article in read_articles([str(SAMPLES)]):
        if isinstance(article, Article) and "Lehrer" in article.text:
            doc = article_document(article)
            doc["id"] = "w3-" + doc["id"]
            w.add_document(**doc)
    w.commit(merge=False)
    with SearchEngine(str(path)) as engine:
        s = engine.searcher
        assert {codec.is_compact(sub.reader()) for sub, _ in s.leaf_searchers()} == {True, False}
        for text in ["Corona", "Lehrer Gewerkschaft", "Raketenwerfer", "Nichtvorhandenwort"]:
            q = engine.parse(text).query
            assert Ranker(s).scores(q) == pytest.approx(whoosh_scores(s, q), rel=1e-12), text


# --- keyword queries of two or three words (Ranker.rank_keywords) ---------------------------

_FILLER = ("Die Verwaltung legte am Montag ihren Bericht für das vergangene Quartal vor. "
           "Die Zahl der Beschäftigten blieb demnach nahezu stabil, der Handel meldete leichte "
           "Zuwächse, das Handwerk klagte über fehlende Fachkräfte. ")

KEYWORD_ARTICLES = {
    # About the pair: the minister and the masks in one sentence, his name in the lead.
    "pair.txt": ("date 2020-04-02 Bund sucht Lieferanten\n\nGesundheitsminister Jens Spahn "
                 "will mehr Schutzmasken in Deutschland herstellen lassen. Spahn sagte, die "
                 "Schutzmasken aus China reichten nicht aus. " + _FILLER * 3),
    # A long roundup of the labour market that names both words once, far apart.
    "roundup.txt": ("date 2020-04-03 Arbeitsmarkt im Frühjahr\n\nIn den Apotheken waren "
                    "Schutzmasken knapp. " + _FILLER * 12 + "Am Rande äußerte sich auch "
                    "Jens Spahn zur Lage."),
    # A two-line item with the name in its title and nothing on masks.
    "short.txt": "date 2020-04-04 Spahn im Interview\n\nDas Gespräch mit Jens Spahn lesen Sie morgen.",
    # Many forms of one query word (masks, mask compounds), nothing of the minister.
    "forms.txt": ("date 2020-04-05 Masken überall\n\nSchutzmasken, Atemschutzmasken und "
                  "Stoffmasken: Schutzmasken sind gefragt. Die Schutzmasken-Preise steigen, "
                  "Schutzmaskenhersteller erweitern die Produktion. " + _FILLER * 2),
    # The plural Snowball keeps apart from the singular.
    "zentrum.txt": ("date 2020-12-01 Neues Impfzentrum\n\nDas Impfzentrum in der Messehalle "
                    "öffnet im Januar. " + _FILLER),
    "center.txt": "date 2020-12-02 Messe\n\nDie Messehalle bleibt geschlossen. " + _FILLER,
}


def _index_of(tmp_path_factory, name, articles):
    """An index of ``articles`` (file name → text), built in a fresh folder ``name``."""
    from index.build import index_paths

    root = tmp_path_factory.mktemp(name)
    folder = root / "articles"
    folder.mkdir()
    for file_name, text in articles.items():
        (folder / file_name).write_text(text + "\n", encoding="utf-8")
    path = str(root / "index")
    index_paths(path, [str(folder)])
    return path


@pytest.fixture(scope="module")
def keyword_index(tmp_path_factory):
    return _index_of(tmp_path_factory, "keywords", KEYWORD_ARTICLES)


def test_a_short_query_ranks_the_article_about_the_pair_first(keyword_index):
    with SearchEngine(keyword_index) as engine:
        got = [h.id for h in engine.search("Spahn Schutzmasken").hits]
        assert got[0] == "pair"
        # Both words far apart, one word's title, one word's many forms: all below.
        assert set(got[1:]) >= {"roundup", "short", "forms"}


#: The keyword ranking's own scores, before the fusion with the plain BM25 rescales them.
UNFUSED = replace(RankingSettings(), plain_fusion=0.0)


def test_where_the_words_stand_together_counts(keyword_index):
    with SearchEngine(keyword_index, settings=UNFUSED) as engine:
        near = {h.id: h.score for h in engine.search("Spahn Schutzmasken").hits}
    apart_settings = replace(engine.settings, together_boost=0.0)
    with SearchEngine(keyword_index, settings=apart_settings) as engine:
        flat = {h.id: h.score for h in engine.search("Spahn Schutzmasken").hits}
    # The pair's sentence raises its score by nearly the whole boost; the roundup's words,
    # a page apart, by a small share of it.
    boost = RankingSettings().together_boost
    assert near["pair"] / flat["pair"] > 1 + 0.7 * boost
    assert near["roundup"] / flat["roundup"] < 1 + 0.3 * boost


def test_forms_of_one_word_count_once(keyword_index):
    with SearchEngine(keyword_index) as engine:
        parsed = engine.parse("Spahn Schutzmasken")
        ids, scores = engine.ranker.ranked(parsed.query)
        tree = dict(zip(ids.tolist(), scores.tolist()))
        forms = engine.searcher.document_number(id="forms")
        pair = engine.searcher.document_number(id="pair")
        # The query tree adds the mask compounds' parts on top of the word's own score;
        # the keyword ranking takes the best form, so the masks alone stay well below.
        ranked = dict(zip(*(a.tolist() for a in engine.ranker.rank_keywords(
            parsed.keywords, ids, scores))))
        assert ranked[forms] / ranked[pair] < tree[forms] / tree[pair]
        assert ranked[forms] < ranked[pair] / 2


def test_a_plural_snowball_keeps_apart_is_found(keyword_index):
    with SearchEngine(keyword_index) as engine:
        assert [h.id for h in engine.search("Impfzentren Messehalle").hits][:2] == \
            ["zentrum", "center"]


def test_positions_read_in_bulk_are_the_matchers(changed_index):
    import numpy as np

    with SearchEngine(changed_index) as engine:
        ranker = Ranker(engine.searcher)
        ids = np.arange(ranker.size)
        for word in ("lehr", "gewerkschaft", "corona", "+lehr", "bahn", "+bahnhof"):
            bulk = ranker._positions_bulk("body", word, ids)
            assert bulk, word
            assert bulk == ranker._positions("body", word, ids), word
            some = ids[::3]
            assert ranker._positions_bulk("body", word, some) == \
                {d: p for d, p in bulk.items() if d % 3 == 0}


def test_a_word_naming_a_place_prefers_articles_about_that_place(tmp_path):
    from index.build import index_paths

    folder = tmp_path / "a"
    folder.mkdir()
    texts = {
        "ort.txt": "date 2020-03-20 Strenge Regeln am Neckar\n\nDie Stadt Heidelberg verhängt "
                   "eine nächtliche Ausgangssperre. Oberbürgermeister Eckart Würzner sagte, "
                   "in Heidelberg sei die Lage ernst. " + _FILLER,
        "thema.txt": "date 2020-03-21 Was die Ausgangssperre bedeutet\n\nEine Ausgangssperre "
                     "ist mehr als eine Kontaktsperre. Wer gegen die Ausgangssperre verstößt, "
                     "zahlt. Die Ausgangssperre gilt auch nachts. " + _FILLER,
        "sonst.txt": "date 2020-03-22 Neue Zahlen aus Heidelberg\n\nIn Heidelberg stieg die "
                     "Zahl der Fälle. Heidelberg meldet zwölf neue Infektionen. " + _FILLER,
    }
    for name, text in texts.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    index_paths(str(tmp_path / "ix"), [str(folder)])
    with SearchEngine(str(tmp_path / "ix")) as engine:
        parsed = engine.parse("Heidelberger Ausgangssperre")
        named = [engine._named(kw) for kw in parsed.keywords]
        assert named[0] is not None and named[1] is None  # Heidelberg is a place facet
        hits = engine.search("Heidelberger Ausgangssperre").hits
        assert hits[0].id == "ort"
        scores = {h.id: h.score for h in hits}
    plain = replace(engine.settings, entity_boost=0.0)
    with SearchEngine(str(tmp_path / "ix"), settings=plain) as engine:
        flat = {h.id: h.score for h in engine.search("Heidelberger Ausgangssperre").hits}
    assert scores["ort"] / flat["ort"] > scores["thema"] / flat["thema"]


def test_a_topic_said_once_beside_a_name_counts_less(tmp_path):
    """Beside a name, a topic word an article says once (not in its title) is a passing
    mention: the article scores ``passing_penalty`` less. Without a name, only an article
    that says every word in passing does."""
    from index.build import index_paths

    folder = tmp_path / "a"
    folder.mkdir()
    texts = {
        "oft.txt": "date 2020-03-20 Strenge Regeln am Neckar\n\nDie Stadt Heidelberg verhängt "
                   "eine Ausgangssperre. Die Ausgangssperre gilt nachts, sagte der "
                   "Oberbürgermeister in Heidelberg. " + _FILLER,
        "einmal.txt": "date 2020-03-21 Neue Zahlen aus Heidelberg\n\nIn der Stadt Heidelberg "
                      "stieg die Zahl der Fälle; eine Ausgangssperre sei nicht geplant. "
                      "Heidelberg meldet zwölf neue Infektionen. " + _FILLER,
        "titel.txt": "date 2020-03-22 Heidelberg prüft eine Ausgangssperre\n\nDie Stadt "
                     "Heidelberg berät am Montag. Eine Ausgangssperre wäre die erste im Land. "
                     + _FILLER,
        "thema.txt": "date 2020-03-23 Was eine Ausgangssperre bedeutet\n\nEine Ausgangssperre "
                     "ist mehr als eine Kontaktsperre. " + _FILLER,
        "nebenbei.txt": "date 2020-03-24 Der Handel im Frühjahr\n\n" + _FILLER + "Erst eine "
                        "Kontaktsperre, dann eine Ausgangssperre? " + _FILLER,
    }
    for name, text in texts.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    index_paths(str(tmp_path / "ix"), [str(folder)])

    def scores(settings, query):
        with SearchEngine(str(tmp_path / "ix"), settings=settings) as engine:
            return {h.id: h.score for h in engine.search(query).hits}

    shipped = replace(UNFUSED, together_boost=0.0)
    assert shipped.passing_penalty > 0
    off = replace(shipped, passing_penalty=0.0)
    named, flat = scores(shipped, "Heidelberg Ausgangssperre"), \
        scores(off, "Heidelberg Ausgangssperre")
    assert named["einmal"] == pytest.approx(flat["einmal"] * (1 - shipped.passing_penalty))
    for said in ("oft", "titel"):  # twice in the body, or in the title: not in passing
        assert named[said] == pytest.approx(flat[said])
    # No word names anyone: only the side sentence that says both words once counts less.
    pair, flat = scores(shipped, "Ausgangssperre Kontaktsperre"), \
        scores(off, "Ausgangssperre Kontaktsperre")
    assert pair["nebenbei"] == pytest.approx(flat["nebenbei"] * (1 - shipped.passing_penalty))
    assert pair["thema"] == pytest.approx(flat["thema"])


# --- the plain BM25 fused with the keyword ranking (plain_fusion) ---------------------------

def test_plain_bm25_is_bm25_over_title_and_body_as_one_field(tmp_path):
    """``Ranker.plain_bm25`` scores each article as a plain BM25 index would that holds its
    title and text in one field, compound parts as plain words (here the query's words are
    found as words and as compounds' tails, which the index weighs 1.0 like a word)."""
    import numpy as np
    from whoosh import fields
    from whoosh import index as whoosh_index
    from whoosh.analysis import SpaceSeparatedTokenizer
    from whoosh.query import Or, Term

    from index.analysis import PART_PREFIX, german_analyzer
    from index.build import index_paths

    folder = tmp_path / "a"
    folder.mkdir()
    texts = {
        "titel.txt": "date 2020-04-02 Lieferanten für Masken\n\nDie Masken kommen aus China. "
                     "Minister Spahn prüft die Verträge. Die Masken sind teuer. " + _FILLER,
        "teile.txt": "date 2020-04-03 Stoff statt Papier\n\nStoffmasken und Papiermasken: "
                     "Spahn rät zu Stoffmasken, Spahn sagt es täglich. " + _FILLER * 2,
        "lang.txt": "date 2020-04-04 Handel im Frühjahr\n\n" + _FILLER * 8 + "Auch Masken "
                    "werden verkauft.",
        "kurz.txt": "date 2020-04-05 Spahn im Interview\n\nDas Gespräch lesen Sie morgen.",
        "ohne.txt": "date 2020-04-06 Wetter\n\nEs regnet in Köln. " + _FILLER,
    }
    for name, text in texts.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    index_paths(str(tmp_path / "ix"), [str(folder)])

    analyzer = german_analyzer()
    plain_ix = whoosh_index.create_in(str(tmp_path), fields.Schema(
        id=fields.ID(stored=True), body=fields.TEXT(analyzer=SpaceSeparatedTokenizer())))
    with SearchEngine(str(tmp_path / "ix")) as engine:
        writer = plain_ix.writer()
        for name in texts:
            article = engine.get(name[:-4])[0]
            terms = [t.text.lstrip(PART_PREFIX) for t in
                     analyzer(f"{article.title}\n{article.text}", mode="index")]
            writer.add_document(id=article.id, body=" ".join(terms))
        writer.commit()
        parsed = engine.parse("Spahn Masken")
        assert [kw.text for kw in parsed.keywords] == ["spahn", "mask"]
        plain = engine.ranker.plain_bm25(parsed.keywords, np.arange(engine.ranker.size))
        ours = {engine.searcher.stored_fields(d)["id"]: s for d, s in enumerate(plain) if s}
    with plain_ix.searcher() as s:
        expected = {h["id"]: h.score for h in
                    s.search(Or([Term("body", "spahn"), Term("body", "mask")]), limit=None)}
    assert set(ours) == set(expected) == {"titel", "teile", "lang", "kurz"}
    assert sorted(ours, key=ours.get) == sorted(expected, key=expected.get)
    for doc, score in expected.items():  # field lengths are kept in one byte each
        assert ours[doc] == pytest.approx(score, rel=0.03), doc


def test_the_keyword_ranking_is_fused_with_the_plain_bm25(keyword_index):
    import numpy as np

    def rescored(settings):
        with SearchEngine(keyword_index, settings=settings) as engine:
            parsed = engine.parse("Spahn Schutzmasken")
            ids, scores = engine.ranker.ranked(parsed.query)
            ids, scores = engine.ranker.rank_keywords(parsed.keywords, ids, scores)
            return ids, scores, engine.ranker.plain_bm25(parsed.keywords, ids)

    ids, keyword, plain = rescored(UNFUSED)
    assert len(ids) >= 4 and np.argmax(keyword) != np.argmax(plain)
    shipped = RankingSettings()
    assert shipped.plain_fusion > 0 and shipped.fusion_k == 0
    w = shipped.plain_fusion
    same_ids, fused, _ = rescored(shipped)
    assert same_ids.tolist() == ids.tolist()
    assert fused == pytest.approx((1 - w) * keyword / keyword.max() + w * plain / plain.max())
    # By reciprocal rank: 1 / (k + rank) of each order.
    _, by_rank, _ = rescored(replace(shipped, plain_fusion=1.0, fusion_k=60.0))
    rank_of = {d: r for r, d in enumerate(np.argsort(-keyword, kind="stable"), 1)}
    plain_rank = {d: r for r, d in enumerate(np.argsort(-plain, kind="stable"), 1)}
    assert by_rank == pytest.approx([1 / (60 + rank_of[i]) + 1 / (60 + plain_rank[i])
                                     for i in range(len(ids))])
    # All weight on the plain BM25: its order.
    _, only_plain, _ = rescored(replace(shipped, plain_fusion=1.0))
    assert np.argsort(-only_plain, kind="stable").tolist() == \
        np.argsort(-plain, kind="stable").tolist()


# --- forms the keyword ranking counts as the word's own (session 9) -----------------------

FORM_ARTICLES = {
    # Latin plural and feminine plural, each under the query's other number.
    "testzentren.txt": ("date 2020-11-02 Lange Schlangen\n\nVor den Testzentren der Stadt "
                        "bilden sich am Wochenende lange Schlangen. Die Testzentren öffnen "
                        "nun früher. " + _FILLER),
    "testzentrum.txt": ("date 2020-11-03 Testzentrum am Bahnhof\n\nDas neue Testzentrum am "
                        "Bahnhof hat seit Montag geöffnet. " + _FILLER),
    "aerztinnen.txt": ("date 2020-11-04 Impfung in Praxen\n\nÄrztinnen und Ärzte impfen "
                       "bald auch in ihren Praxen. Die Ärztinnen warten auf den Impfstoff. "
                       + _FILLER),
    "schlangen.txt": ("date 2020-11-05 Schlangen im Zoo\n\nDie Schlangen im Zoo bekommen "
                      "ein neues Terrarium. " + _FILLER),
    # A country, its adjective and a story told with the adjective only.
    "nerze.txt": ("date 2020-11-06 Nerze in Dänemark\n\nDänemark lässt alle Nerze töten. "
                  "Die dänischen Nerzfarmen müssen schließen, sagte Regierungschefin Mette "
                  "Frederiksen in Kopenhagen. In Dänemark hatte sich das Virus in Nerzen "
                  "verändert. " + _FILLER),
    "daenisch.txt": ("date 2020-11-07 Nerze und Corona\n\nDie dänische Regierung hat die "
                     "Tötung der Nerze angeordnet. Dänemark reagiert damit auf ein mutiertes "
                     "Virus. " + _FILLER),
    "pelz.txt": ("date 2020-11-08 Nerze in Polen\n\nAuch in Polen werden Nerze gezüchtet, "
                 "die Nerze leben dort in großen Farmen. " + _FILLER),
    "koenigin.txt": ("date 2020-11-09 Die dänische Königin\n\nDie dänische Königin Margrethe "
                     "sagt ihren Geburtstag ab. Dänemark feiert ohne sie. " + _FILLER),
    # A hyphenated word, as typed and written apart, and its parts far apart.
    "app.txt": ("date 2020-06-16 Die Corona-App ist da\n\nDie Corona-App ist seit heute "
                "verfügbar. Datenschützer loben die Corona-App, der Datenschutz sei gewahrt. "
                + _FILLER),
    "apart.txt": ("date 2020-06-17 Corona in Schulen\n\nCorona hält die Schulen in Atem. "
                  + _FILLER * 6 + "Eine App für Eltern bietet die Stadt an, beim Datenschutz "
                  "gebe es keine Bedenken."),
}


@pytest.fixture(scope="module")
def form_index(tmp_path_factory):
    return _index_of(tmp_path_factory, "forms", FORM_ARTICLES)


def test_a_nouns_other_number_that_snowball_keeps_apart_is_its_own_form(form_index):
    from search.query import inflected_forms
    from index.analysis import stem_word

    with SearchEngine(form_index) as engine:
        reader = engine.searcher.reader()
        assert inflected_forms("Testzentrum", stem_word("Testzentrum"), reader) == \
            [stem_word("Testzentren")]
        assert inflected_forms("Ärztin", stem_word("Ärztin"), reader) == \
            [stem_word("Ärztinnen")]
        # A form must be a word and in the index: no "Testzentra", no "Schlangum".
        assert inflected_forms("Schlangen", stem_word("Schlangen"), reader) == []
        hits = [h.id for h in engine.search("Testzentrum Schlangen").hits]
        # The article about queues at test centres says only "Testzentren".
        assert hits[0] == "testzentren"
        assert hits.index("testzentrum") < hits.index("schlangen")
        assert [h.id for h in engine.search("Ärztin Impfstoff").hits][:1] == ["aerztinnen"]
    off = replace(RankingSettings(), inflection_boost=0.0)
    with SearchEngine(form_index, settings=off) as engine:
        assert "testzentren" not in [h.id for h in engine.search("Testzentrum Bahnhof").hits]


def test_known_form_asks_the_word_list_for_simple_words_and_compound_heads():
    from search.query import known_form

    assert known_form("zentren") and known_form("impfzentren") and known_form("aerztinnen")
    assert not known_form("kameren") and not known_form("schlangum")


def test_an_adjective_of_a_place_names_the_place(form_index):
    with SearchEngine(form_index) as engine:
        parsed = engine.parse("dänische Nerze")
        assert [kw.text for kw in parsed.keywords] == ["danisch", "nerz"]
        named = [engine._named(kw) for kw in parsed.keywords]
        assert named[1] is None and named[0] is not None
        docs = {engine.searcher.stored_fields(int(d))["id"] for d in named[0].nonzero()[0]}
        assert {"nerze", "daenisch"} <= docs and "pelz" not in docs
        hits = [h.id for h in engine.search("dänische Nerze").hits]
        assert set(hits[:2]) == {"nerze", "daenisch"}
        assert hits.index("pelz") > 1
    off = replace(RankingSettings(), derived_places=False)
    with SearchEngine(form_index, settings=off) as engine:
        assert all(engine._named(kw) is None for kw in engine.parse("dänische Nerze").keywords)


def test_a_hyphenated_word_is_one_keyword_whose_parts_are_its_forms(form_index):
    with SearchEngine(form_index) as engine:
        parsed = engine.parse("Corona-App Datenschutz")
        assert [kw.text for kw in parsed.keywords] == ["corona-app", "datenschutz"]
        assert parsed.keywords[0].part_terms == ("corona", "app")
        hits = [h.id for h in engine.search("Corona-App Datenschutz").hits]
        assert hits[0] == "app" and "apart" in hits
        # A quoted phrase stays out of the keyword ranking.
        assert engine.parse('"Corona App" Datenschutz').keywords == ()


#: A noun made from a verb, and articles telling the story with the verb.
VERB_ARTICLES = {
    "geoeffnet.txt": ("date 2020-04-20 Heimwerker stehen Schlange\n\nIn Bayern haben die "
                      "Baumärkte wieder geöffnet. Vor den Baumärkten bildeten sich lange "
                      "Schlangen, die Baumärkte öffnen um acht Uhr. " + _FILLER),
    "abgesagt.txt": ("date 2020-11-03 Kein Glühwein am Dom\n\nDer Weihnachtsmarkt am Dom ist "
                     "abgesagt. Die Stadt hat den Weihnachtsmarkt wegen der Infektionszahlen "
                     "abgesagt, die Händler sind enttäuscht. " + _FILLER),
    "baumarkt.txt": ("date 2020-05-02 Baumärkte melden Rekordumsatz\n\nDie Baumärkte melden "
                     "für das Frühjahr Rekordumsätze, Farbe und Gartenerde waren gefragt. "
                     + _FILLER),
    "schulen.txt": ("date 2020-05-04 Öffnung der Schulen\n\nDie Öffnung der Schulen beginnt "
                    "mit den Abschlussklassen. Über die Öffnung der Kitas wird noch beraten. "
                    + _FILLER),
    "absage.txt": ("date 2020-03-12 Absage der Messe\n\nDie Absage der Buchmesse trifft die "
                   "Verlage hart, die Absage kam kurzfristig. " + _FILLER),
    "markt.txt": ("date 2020-12-01 Lichter in der Altstadt\n\nStatt einem Weihnachtsmarkt "
                  "gibt es Lichter in der Altstadt, die Weihnachtsmarkt-Buden bleiben im "
                  "Lager. " + _FILLER),
}


@pytest.fixture(scope="module")
def verb_index(tmp_path_factory):
    return _index_of(tmp_path_factory, "verbs", VERB_ARTICLES)


def test_a_nouns_verb_forms_snowball_keeps_apart_are_its_forms(verb_index):
    from search.query import derived_forms
    from index.analysis import stem_word

    on = replace(RankingSettings(), derivation_boost=0.8)
    with SearchEngine(verb_index, settings=on) as engine:
        reader = engine.searcher.reader()
        # Snowball stems "Öffnung" to "offnung", "öffnet" to "offn", "geöffnet" to "geoffn".
        assert set(derived_forms("Öffnung", stem_word("Öffnung"), reader)) == \
            {stem_word("öffnet"), stem_word("geöffnet")}
        # A separable verb's participle: "ab-ge-sagt".
        assert derived_forms("Absage", stem_word("Absage"), reader) == [stem_word("abgesagt")]
        # Not every noun in -e is a verb's ("Schlange"), and a form must be in the index.
        assert derived_forms("Schlange", stem_word("Schlange"), reader) == []
        assert derived_forms("Rückerstattung", stem_word("Rückerstattung"), reader) == []
        # The articles telling the story with the verb come first, typed with or without
        # umlauts; the noun's other stories and the place alone come after them.
        for typed in ("Baumärkte Öffnung", "Baumaerkte Oeffnung"):
            hits = [h.id for h in engine.search(typed).hits]
            assert hits[0] == "geoeffnet", typed
        hits = [h.id for h in engine.search("Weihnachtsmarkt Absage").hits]
        assert hits[0] == "abgesagt"
        assert hits.index("abgesagt") < hits.index("absage")
    off = replace(RankingSettings(), derivation_boost=0.0)
    with SearchEngine(verb_index, settings=off) as engine:
        hits = [h.id for h in engine.search("Weihnachtsmarkt Absage").hits]
        assert hits[0] != "abgesagt"
    with SearchEngine(verb_index, settings=on) as engine:
        # A long query (a headline) keeps to the words as typed.
        long = engine.parse("Absage der Buchmesse trifft die Verlage").query
        assert stem_word("abgesagt") not in {t for _, t in long.iter_all_terms()}
        short = engine.parse("Weihnachtsmarkt Absage").query
        assert stem_word("abgesagt") in {t for _, t in short.iter_all_terms()}
