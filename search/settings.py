"""The ranking's tuning constants, as one frozen settings object.

``RankingSettings()`` holds the shipped defaults; a benchmark or a test builds a variant
with :func:`dataclasses.replace` and hands it to :class:`search.SearchEngine` (or to
``parse_query``), instead of patching module globals. NOTES.md records how each value
was measured.

>>> from dataclasses import replace
>>> replace(RankingSettings(), together_boost=0.0).together_boost
0.0
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RankingSettings:
    """How a query is built and its matches scored (see ``search.query`` and ``search.ranking``)."""

    # --- the query tree (search.query) ---------------------------------------------------
    #: Exponent of the coordination factor (matched words / query words) ** exponent.
    coord_exponent: float = 1.0
    #: Coordination applies to keyword queries up to this many typed words, stop words
    #: included; longer queries (headlines, teasers) are a plain BM25 OR.
    coord_max_words: int = 3
    #: A question (ending in ``?``) is coordinated at any length.
    question_coord: bool = True
    #: How much a word's weaker fields and forms add to its best one (1.0 would sum them).
    field_tiebreak: float = 0.1
    #: Weight of a word found inside a compound (``+stem``) beside the word itself.
    part_match_boost: float = 0.5
    #: With fuzzy matching: edits allowed (one for stems of five letters or fewer), weight.
    fuzzy_edits: int = 2
    fuzzy_boost: float = 0.5
    #: Weight of a hyphenated query word's parts found apart in an article.
    hyphen_part_boost: float = 0.8
    #: Bonus for neighbouring words of long queries standing within ``proximity_slop``.
    proximity_boost: float = 0.2
    proximity_slop: int = 3
    proximity_min_words: int = 5
    #: Weight of a typed compound's parts, as a bonus in articles a query word matches.
    query_part_boost: float = 0.4
    #: Weight of a word's other form with or without a final ``-s``.
    s_form_boost: float = 0.8
    #: Weight of a word's other inflected forms that Snowball stems apart (``Zentrum`` /
    #: ``Zentren``, ``Ärztin`` / ``Ärztinnen``: ``search.query.inflected_forms``); 0: off.
    inflection_boost: float = 0.8
    #: Weight of a noun's verb forms that Snowball stems apart (``Öffnung`` / ``geöffnet``,
    #: ``Absage`` / ``abgesagt``: ``search.query.derived_forms``), in queries of up to
    #: ``coord_max_words`` words (session 10); 0: off.
    derivation_boost: float = 0.8

    # --- the engine (search.engine) -------------------------------------------------------
    #: BM25F parameters of every field.
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    #: A question asking for a time or a number ("Wann …?", "Wie viele …?") ranks, among its
    #: ``answer_depth`` best matches, those holding a year, date or number higher by this share.
    answer_boost: float = 0.3
    answer_depth: int = 30

    # --- bulk scoring (search.ranking) ---------------------------------------------------
    #: Proximity bonuses of long queries are computed for this many best articles.
    rerank_depth: int = 400
    #: Scored postings of words in at least this many articles are kept between queries,
    #: up to this many postings in all.
    scored_cache_min: int = 2000
    scored_cache_postings: int = 4_000_000

    # --- keyword queries of 2-3 words (Ranker.rank_keywords) -----------------------------
    #: Articles re-scored by the keyword ranking, the best by the query tree's scores.
    keyword_depth: int = 300
    #: How much more an article scores where all query words stand together: the score is
    #: multiplied by 1 + together_boost × closeness (1.0 for adjacent words, falling to
    #: a half at ``together_window`` words apart, averaged over the pairs of words).
    together_boost: float = 0.5
    together_window: float = 40.0
    #: With a count k > 0, closeness is n / (n + k) for n places where the two words stand
    #: within ``together_window`` words of each other (one passage in a side paragraph
    #: is not an article about the pair), instead of the decay by the smallest gap.
    together_count: float = 0.0
    #: Closeness is measured for this many of the re-scored articles, the best by their
    #: other features (reading positions costs a block of postings per article and word).
    together_depth: int = 30
    #: A word counts by its best form (True) or by its forms' score plus its typed
    #: compound's parts' bonus, as the query tree adds them (False).
    best_form_only: bool = True
    #: A word found only through its typed compound's parts counts this much of a match
    #: in the coordination factor.
    parts_coverage: float = 0.5
    #: An article whose person or place facets hold a query word that names one, and
    #: which names it in its title or lead or more than once, scores this much more;
    #: one naming it only in passing gets half of it.
    entity_boost: float = 0.5
    #: A query word derived from a place (``dänische``, ``bayerisch``, ``Münchner``) names
    #: that place (``SearchEngine._derived_place``).
    derived_places: bool = True
    #: ... when at least this share of the articles holding the word have the place in
    #: their facets (the tagger marks the place's name, not the adjective: 40-70% of the
    #: articles saying ``dänisch``, ``bayerisch``, ``chinesisch`` name the country too).
    derived_share: float = 0.3
    #: The lead: the first this many words of the body.
    lead_words: int = 60
    #: A query word names a person or place when at least this share of the articles
    #: holding it have it in their facets.
    entity_share: float = 0.5
    #: Articles shorter than ``short_words`` body words score (length / short_words) **
    #: short_exponent of their score: BM25 rewards link lists and teasers too much.
    short_words: int = 120
    short_exponent: float = 0.3
    #: A word said at most once in an article's body and not in its title is said in
    #: passing. Beside a word that names a person or place, the article scores this share
    #: less for each other word it says once (``Trump`` and one sentence on disinfectant
    #: is not an article about the two); without names, when it says every word in passing
    #: (one side sentence on the pair).
    passing_penalty: float = 0.3
    #: Fusion with a plain BM25 of the typed words (``Ranker.plain_bm25``): its weight
    #: (0: off). With ``fusion_k`` 0, each score scaled to its best among the re-scored
    #: articles and mixed, (1 - weight) × keyword + weight × plain; with ``fusion_k`` > 0
    #: the two orders are fused by reciprocal rank, 1 / (k + keyword rank) + weight /
    #: (k + plain rank).
    plain_fusion: float = 0.125
    fusion_k: float = 0.0
    #: The plain BM25 counts a word inside a compound (``+stem``) at this share of its
    #: indexed weight (1.0 for a compound's tail, 0.5 for a leading part).
    part_count: float = 1.0
    #: The plain BM25 counts a word's other forms (``-s`` form, other inflected forms)
    #: with the word as typed, as one term.
    plain_forms: bool = False


#: The shipped defaults.
DEFAULT_SETTINGS = RankingSettings()
