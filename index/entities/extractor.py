"""The entity extractor: tokens → features → CRF tags → article-level rules → names.

``EntityExtractor`` holds the model, the word lists and the per-token caches; ``extract_many``
tags a batch of articles in one NumPy pass (``tag_many``, weights read from the model file by
``crf.CRFModel``), ``extract`` is a batch of one, and ``tag`` gives the same tags with
crfsuite's own tagger (used when the model file cannot be read so).

>>> e = default_extractor().extract("Söder in Berlin", "Markus Söder besuchte Berlin.")
>>> e.persons, e.places
(('Markus Söder',), ('Berlin',))
"""

from __future__ import annotations

import functools
from itertools import chain, islice
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pycrfsuite

from .crf import CRFModel, Layout, ModelFormatError, ModelRows, TokenRows, marginals, viterbi
from .features import FeatureCache, ModelFeatures, has_lowercase_form
from .names import Entities
from .rules import resolve
from .tokens import document_lowercase, tokenize
from .wordlists import Lexicon

MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL = MODEL_DIR / "ner.crfsuite"

#: Tokens whose features an indexing run carries from one batch's workers to the next
#: (``EntityExtractor.carry_features``); at most ``CACHE_LIMIT // 2``, which trimming never
#: drops. Memory is the price: the parent holds them, and each worker copies the pages it
#: reads (refcounts); NOTES.md has the memory and speed of 50k to 150k.
CARRY_LIMIT = 50_000
#: Articles ``extract_many`` tags per call (an indexing worker tags each hand-over file's).
EXTRACT_BATCH = 50


class EntityExtractor:
    """Finds the persons and places of German news articles with a CRF and article-level rules.

    ``extract_many`` tags a batch of articles in one NumPy pass (``tag_many``), far cheaper per
    article than crfsuite's tagger; ``extract`` is a batch of one. Cheap to pickle: the model is
    read again from ``model_path`` after unpickling, so an extractor can be handed to
    ``multiprocessing`` workers.

    >>> ex = EntityExtractor.load()
    >>> ex.extract("", "Russlands Präsident Wladimir Putin traf Putins Gäste.").persons
    ('Wladimir Putin',)
    """

    def __init__(self, model_path: Path | str, lexicon: Lexicon | None = None):
        self.model_path = str(model_path)
        self.lexicon = lexicon or Lexicon()
        self.features = FeatureCache(self.lexicon)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(self.model_path)
        try:
            model = CRFModel.read(self.model_path)
        except (OSError, ModelFormatError):
            model = None
        if model is not None and model.labels != self._tagger.labels():
            model = None
        known = model_attributes(self._tagger) if model is None else frozenset(model.attributes)
        self.model_features = None if known is None else ModelFeatures(self.features, known)
        # Tagging in NumPy, many articles at once (tag_many), with the weights read from the
        # model file; crfsuite's tagger (tag) if the file cannot be read so.
        self.rows = None if model is None else ModelRows(self.features, model)
        if self.rows is not None:
            self._label_names = np.array(model.labels, dtype=object)
            self._outside = model.labels.index("O") if "O" in model.labels else -1
            self._exp_transition = np.exp(model.transition)

    @classmethod
    def load(cls, model_path: Path | str | None = None) -> "EntityExtractor":
        """Open a model file, by default the one shipped in ``index/models``."""
        return cls(model_path or DEFAULT_MODEL)

    def __getstate__(self):
        return {"model_path": self.model_path, "data_dir": str(self.lexicon.data_dir)}

    def __setstate__(self, state):
        self.__init__(state["model_path"], Lexicon(Path(state["data_dir"])))

    def _cache(self) -> dict:
        """The per-token cache tagging uses: ``tag_many``'s rows, or ``tag``'s features."""
        if self.rows is not None:
            return self.rows.ids
        return (self.features if self.model_features is None else self.model_features).cache

    def cached_tokens(self) -> int:
        """How many tokens' features are cached: a mark for ``new_features``."""
        return len(self._cache())

    def new_features(self, mark: int) -> list[tuple[str, tuple]] | TokenRows:
        """The cache entries added since ``cached_tokens()`` gave ``mark``, at most as many as
        ``carry_features`` takes into a cache that held ``mark``: an indexing worker sends them
        back to its parent, so that the next batch's workers start with them. With batched
        tagging they are token rows (``TokenRows``), else (token, features) pairs."""
        if self.rows is not None:
            return self.rows.export(mark, max(mark, CARRY_LIMIT))
        return list(islice(self._cache().items(), mark, max(mark, CARRY_LIMIT)))

    def carry_features(self, entries: Iterable[tuple[str, tuple]]) -> None:
        """Add ``new_features`` of another process to the cache, up to ``CARRY_LIMIT`` tokens.

        Entries past the limit are dropped, not older ones: those cached first are mostly the
        frequent tokens. The features depend on the token alone, so the output is the same with
        or without them; they only save computing them again.
        """
        if self.rows is not None:
            if isinstance(entries, TokenRows):
                self.rows.carry(entries, CARRY_LIMIT)
            return
        cache = self._cache()
        room = CARRY_LIMIT - len(cache)
        if room <= 0:
            return
        intern = (lambda e: e) if self.model_features is None else self.model_features.intern
        for tok, entry in entries:
            if tok not in cache:
                cache[tok] = intern(entry)
                room -= 1
                if not room:
                    return

    def tag(self, sentences: list[list[str]], doc_lower: set[str] | None = None
            ) -> tuple[list[list[str]], list[list[float]]]:
        """BIO tags for tokenized sentences of one article, and each tag's marginal probability,
        from crfsuite's tagger (``tag_many`` gives the same in NumPy, for many articles).

        Probabilities are computed only for tokens tagged as part of a name (O tokens get 1.0).
        ``doc_lower`` is ``document_lowercase(sentences)`` if the caller has it already.
        """
        if doc_lower is None:
            doc_lower = document_lowercase(sentences)
        feats = (self.features.sentence_features if self.model_features is None
                 else self.model_features.sentence_items)
        tagger = self._tagger
        all_tags, all_probs = [], []
        for s in sentences:
            if not s:
                all_tags.append([])
                all_probs.append([])
                continue
            tags = tagger.tag(feats(s, doc_lower))
            all_tags.append(tags)
            if tags.count("O") == len(tags):
                all_probs.append([1.0] * len(tags))
            else:
                all_probs.append([1.0 if t == "O" else tagger.marginal(t, i)
                                  for i, t in enumerate(tags)])
        return all_tags, all_probs

    def tag_many(self, articles: list[tuple[list[list[str]], set[str]]]
                 ) -> list[tuple[list[list[str]], list[list[float]]]]:
        """``tag`` for the (sentences, ``doc_lower``) of many articles at once, in NumPy.

        Gives ``tag``'s tags, and its marginals within rounding (the last bits); falls back to
        ``tag`` per article when the model file could not be read (``rows`` is None). All
        sentences of all articles are tagged together: their tokens' emission scores are
        gathered from the cached rows, Viterbi and the marginals step through the positions of
        all sentences at once (``crf.Layout``), and the results are cut back into articles.
        """
        rows = self.rows
        if rows is None:
            return [self.tag(sentences, doc_lower) for sentences, doc_lower in articles]
        flat, lengths, per_article = [], [], []
        for sentences, _ in articles:
            tokens = list(chain.from_iterable(sentences))
            flat += tokens
            lengths += map(len, sentences)
            per_article.append(tokens)
        ids = rows.token_ids(flat)
        dlc = self._lowercase_elsewhere(ids, per_article, [d for _, d in articles])
        lengths = np.array(lengths, dtype=np.intp)
        lengths = lengths[lengths > 0]  # an empty sentence gets empty lists
        layout = Layout(lengths)
        order = np.empty_like(layout.packed)
        order[layout.packed] = np.arange(len(order))
        emission = rows.emission(ids, lengths, dlc, order)
        labels = viterbi(emission, rows.model.transition, layout)
        probs = self._name_marginals(emission, labels, lengths, layout)
        tag_list = self._label_names[labels[layout.packed]].tolist()
        prob_list = probs[layout.packed].tolist()
        return _per_article(articles, tag_list, prob_list)

    def _lowercase_elsewhere(self, ids: np.ndarray, per_article: list[list[str]],
                             doc_lowers: list[set[str]]) -> np.ndarray:
        """The ``dlc`` flag of every token of ``ids`` (the articles' tokens one after another):
        a capitalised token whose lowercase form its article also writes."""
        rows = self.rows
        dlc = np.zeros(len(ids), dtype=bool)
        mark = np.zeros(len(rows.ids) + 1, dtype=bool)  # by token id, one article at a time
        at = 0
        for tokens, doc_lower in zip(per_article, doc_lowers):
            end = at + len(tokens)
            # Capitalised tokens are among those the article never writes lowercase.
            marked = [rows.ids[t] for t in set(tokens).difference(doc_lower)
                      if t.lower() in doc_lower and has_lowercase_form(t)]
            if marked:
                mark[marked] = True
                dlc[at:end] = mark[ids[at:end]]
                mark[marked] = False
            at = end
        return dlc

    def _name_marginals(self, emission: np.ndarray, labels: np.ndarray, lengths: np.ndarray,
                        layout: Layout) -> np.ndarray:
        """The marginal probability of each packed row's label where it is part of a name, 1.0
        elsewhere; computed only for the sentences with a name, as ``tag`` asks crfsuite."""
        probs = np.ones(len(labels))
        named = labels != self._outside
        if not named.any():
            return probs
        sentence_of = np.repeat(np.arange(len(lengths)), lengths)
        with_name = np.zeros(len(lengths), dtype=bool)
        with_name[sentence_of[named[layout.packed]]] = True
        sub = Layout(lengths[with_name])
        rows_sub = layout.packed[np.repeat(with_name, lengths)]
        take = np.empty_like(rows_sub)
        take[sub.packed] = rows_sub  # rows of the packed order, in the sub-layout's
        p = marginals(emission[:, take], self._exp_transition, sub)
        picked = p[labels[take], np.arange(len(take))]
        probs[take] = np.where(named[take], picked, 1.0)
        return probs

    def extract(self, title: str, text: str) -> Entities:
        """The persons and places named in an article's title and text.

        >>> EntityExtractor.load().extract("Bayerns Weg", "Markus Söder regiert Bayern.")
        Entities(persons=('Markus Söder',), places=('Bayern',))
        """
        try:
            return self._extract(title or "", text or "")
        except Exception:  # noqa: BLE001 - an odd article must never stop an indexing run
            return Entities()

    def extract_many(self, articles: Iterable[tuple[str, str]],
                     batch: int = EXTRACT_BATCH) -> Iterator[Entities]:
        """``extract`` over an iterable of ``(title, text)`` pairs, tagging ``batch`` articles
        per call (``tag_many``); lazily, a batch at a time."""
        it = iter(articles)
        while chunk := list(islice(it, batch)):
            yield from self._extract_batch(chunk)

    def _extract_batch(self, chunk: list[tuple[str, str]]) -> list[Entities]:
        prepared = []
        for title, text in chunk:
            try:
                prepared.append(self._prepare(title or "", text or ""))
            except Exception:  # noqa: BLE001 - as extract
                prepared.append(None)
        ready = [p for p in prepared if p is not None]
        try:
            tagged = iter(self.tag_many(ready))
        except Exception:  # noqa: BLE001 - then each article alone, as extract does
            return [self.extract(title, text) for title, text in chunk]
        out = []
        for p in prepared:
            if p is None:
                out.append(Entities())
                continue
            tags, probs = next(tagged)
            try:
                out.append(resolve(p[0], tags, self.lexicon, probs, p[1]))
            except Exception:  # noqa: BLE001 - as extract
                out.append(Entities())
        return out

    @staticmethod
    def _prepare(title: str, text: str) -> tuple[list[list[str]], set[str]]:
        sentences = tokenize(title) + tokenize(text) if title.strip() else tokenize(text)
        return sentences, document_lowercase(sentences)

    def _extract(self, title: str, text: str) -> Entities:
        sentences, doc_lower = self._prepare(title, text)
        tags, probs = self.tag_many([(sentences, doc_lower)])[0]
        return resolve(sentences, tags, self.lexicon, probs, doc_lower)


def _per_article(articles, tag_list: list[str], prob_list: list[float]):
    """Tags and marginals of the tokens of all articles, one after another, cut back into
    (tags, marginals) per article and sentence."""
    out = []
    i = 0
    for sentences, _ in articles:
        tags, ps = [], []
        for s in sentences:
            j = i + len(s)
            tags.append(tag_list[i:j])
            ps.append(prob_list[i:j])
            i = j
        out.append((tags, ps))
    return out


def model_attributes(tagger: pycrfsuite.Tagger) -> frozenset[str] | None:
    """Every attribute string the tagger's model knows, or None if its dump cannot be read so."""
    info = tagger.info()
    known = frozenset(info.attributes)
    if str(len(known)) != info.header.get("num_attrs"):
        return None
    return known


@functools.lru_cache(maxsize=1)
def default_extractor() -> EntityExtractor:
    """The shared extractor with the shipped model, built once per process."""
    return EntityExtractor.load()
