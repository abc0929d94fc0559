"""Persons and places named in a German news article.

A linear-chain CRF (trained with ``python-crfsuite``, tagged with its weights in NumPy, many
articles at once) tags tokens as person, place or organisation; article-level rules then turn
the tagged mentions into two sets of names: persons in the fullest form the article uses
(``Söders`` → ``Markus Söder``), places in their base form (``Russlands`` → ``Russland``).
Organisations are tagged only to keep them apart from places and persons and are not returned.

The steps, one module each, in the order an article passes them:

- ``tokens``: tokens and the tagger's sentences; BIO tags to spans;
- ``wordlists``: the gazetteers and word lists (``Lexicon``, from ``index/data``) and the short
  hand-written lists the rules use;
- ``features``: the CRF's features of a token, cached per token string;
- ``crf``: the crfsuite model read into NumPy, its per-token weight rows, Viterbi and marginals;
- ``rules``: article-level rules from tags to persons and places (``resolve``);
- ``names``: name normalisation (fullest person names, base forms of places) and ``Entities``;
- ``extractor``: ``EntityExtractor``, which runs them, and ``default_extractor``.

>>> e = default_extractor().extract("Söder in Berlin", "Markus Söder besuchte Berlin.")
>>> e.persons, e.places
(('Markus Söder',), ('Berlin',))
"""

from .crf import CRFModel, ModelFormatError, ModelRows, TokenRows
from .extractor import (DEFAULT_MODEL, MODEL_DIR, EntityExtractor, default_extractor,
                        model_attributes)
from .features import FeatureCache, ModelFeatures, word_shape
from .names import Entities
from .rules import resolve
from .tokens import TOKEN_RE, document_lowercase, spans, tokenize
from .wordlists import DATA_DIR, TITLES, Lexicon

__all__ = [
    "CRFModel", "DATA_DIR", "DEFAULT_MODEL", "Entities", "EntityExtractor", "FeatureCache",
    "Lexicon", "MODEL_DIR", "ModelFeatures", "ModelFormatError", "ModelRows", "TITLES",
    "TOKEN_RE", "TokenRows", "default_extractor", "document_lowercase", "model_attributes",
    "resolve", "spans", "tokenize", "word_shape",
]
