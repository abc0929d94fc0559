"""Tokens and sentences as the entity tagger sees them, and the BIO spans of its tags.

The tagger's sentences are its units of context, cut as the model's training data was cut
(``tools/train_ner.py`` tokenizes news-annotated with ``tokenize``): at every line break, at
``.``/``!``/``?`` unless the full stop follows a number, a short capitalised word or a title, and
after 120 tokens. They are not the snippets' German sentences (``index.text.sentence_spans``),
which a reader sees; see ``tokenize``.

>>> spans(["Markus", "Söder", "in", "Bayern"], ["B-PER", "I-PER", "O", "B-LOC"])
[('PER', 0, 2), ('LOC', 3, 4)]
"""

from __future__ import annotations

import re
from itertools import chain

from ..text import strip_invisible
from .wordlists import TITLES

# As news-annotated's tokenizer, but "Hansen.Manchmal" (a missing space) splits at the full stop.
TOKEN_RE = re.compile(r"\w+(?:[-'’]\w+|\.(?![A-ZÄÖÜ][a-zäöüß]{2})\w+)*|[^\w\s]")
_SENTENCE_END = frozenset(".!?")
#: Tokens of the longest sentence the tagger sees; a longer stretch is cut into pieces this long.
_MAX_SENTENCE = 120


def tokenize(text: str) -> list[list[str]]:
    """Split text into sentences of tokens; every line break ends a sentence.

    >>> tokenize("Dr. Söder spricht. Bayern hört zu.")
    [['Dr', '.', 'Söder', 'spricht', '.'], ['Bayern', 'hört', 'zu', '.']]
    """
    sentences = []
    if not text.isascii():
        text = strip_invisible(text)  # a soft hyphen would split a word in two tokens
    last = _MAX_SENTENCE - 1
    for line in text.split("\n"):
        tokens = TOKEN_RE.findall(line)
        n = len(tokens)
        start = 0
        # Only ".", "!" and "?" can end a sentence before the length limit: the loop visits them
        # alone, and cuts an over-long stretch before each one and at the end of the line.
        for i in _sentence_ends(tokens):
            while start + last <= i:
                sentences.append(tokens[start:start + _MAX_SENTENCE])
                start += _MAX_SENTENCE
            if i + 1 < n and i > start:
                prev = tokens[i - 1]
                # "Dr. Söder", "5. April": a short capitalised word or a number before the
                # full stop is an abbreviation or an ordinal, not a sentence end.
                if tokens[i] == "." and (prev.isdigit() or (len(prev) <= 3 and prev[:1].isupper())
                                         or prev in TITLES):
                    continue
                sentences.append(tokens[start:i + 1])
                start = i + 1
        while start + last < n:
            sentences.append(tokens[start:start + _MAX_SENTENCE])
            start += _MAX_SENTENCE
        if start < n:
            sentences.append(tokens[start:])
    return sentences


def _sentence_ends(tokens: list[str]) -> list[int]:
    """Positions of ".", "!" and "?" in a line's tokens, in order (found by list scans in C)."""
    ends = []
    for mark in _SENTENCE_END:
        i = -1
        for _ in range(tokens.count(mark)):
            i = tokens.index(mark, i + 1)
            ends.append(i)
    ends.sort()
    return ends


def document_lowercase(sentences: list[list[str]]) -> set[str]:
    """The words an article writes lowercase (a capitalised one of them is likely no name)."""
    later = set(chain.from_iterable([s[1:] for s in sentences]))
    return {t for t in later if t[:1].islower()}


def spans(tokens: list[str], tags: list[str]) -> list[tuple[str, int, int]]:
    """(type, start, end) of each BIO span; a stray I- starts a span."""
    out = []
    kind, start = None, 0
    for i, tag in enumerate(tags + ["O"]):
        if tag == "O" or tag.startswith("B-") or (kind and tag[2:] != kind):
            if kind:
                out.append((kind, start, i))
            kind = None
            if tag != "O":
                kind, start = tag[2:], i
        elif kind is None:
            kind, start = tag[2:], i
    return out

