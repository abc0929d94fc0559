"""A crfsuite model read into NumPy arrays, and its tagger for many sentences at once.

``python-crfsuite`` tags one sentence per call: every token's attributes go to C as strings
(``Tagger.set``), and Viterbi and the forward-backward pass run there token by token. On news
articles that is cheap per call but costly in sum. Here the weights are read straight from the
model file (crfsuite's ``crf1d`` format; ``Tagger.info()`` rounds them to six decimals), and
:func:`viterbi` and :func:`marginals` step through the positions of all sentences of a batch
together: sentences sorted longest first, each position a prefix of them, so the NumPy calls grow
with the longest sentence and not with their number.

The arithmetic is crfsuite's (``crf1d_context.c``): Viterbi adds transition to previous score and
keeps the first maximum, as crfsuite's strict ``<`` does; marginals come from its scaled forward
and backward scores. Emission scores (``ModelRows``) are summed from rows of weights cached per
token, in a different order than crfsuite's one attribute after another, so they may differ in
the last bits: the same tags, and marginals within 4.4e-15, on 4,000 FANG articles
(``bench/ner_speed.py --against``).

>>> from index.entities.extractor import DEFAULT_MODEL
>>> model = CRFModel.read(DEFAULT_MODEL)
>>> model.labels[:3]
['O', 'B-PER', 'B-ORG']
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from itertools import chain, compress, islice, repeat
from pathlib import Path

import numpy as np

from index.errors import ModelFormatError

from . import features as token_features
from .features import FeatureCache

_HEADER = struct.Struct("<4sI4sIIIIIIIII")
_FEATURE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])
_STATE, _TRANSITION = 0, 1


@dataclass
class CRFModel:
    """Labels, attribute ids and weights of a crfsuite first-order linear-chain CRF.

    ``state[aid, label]`` is the weight of attribute ``aid`` for ``label`` (0.0 where the model
    has no such feature), ``transition[prev, label]`` that of the label pair.
    """

    labels: list[str]
    attributes: dict[str, int]
    state: np.ndarray
    transition: np.ndarray

    @classmethod
    def read(cls, path: Path | str) -> "CRFModel":
        """Read a model file written by crfsuite (``Trainer.train``); ModelFormatError if not."""
        data = Path(path).read_bytes()
        try:
            return cls._parse(data)
        except (struct.error, ValueError, IndexError, UnicodeDecodeError) as exc:
            if isinstance(exc, ModelFormatError):
                raise
            raise ModelFormatError(f"{path}: {exc}") from None

    @classmethod
    def _parse(cls, data: bytes) -> "CRFModel":
        (magic, size, kind, version, _, num_labels, num_attrs, off_features, off_labels,
         off_attrs, off_labelrefs, off_attrrefs) = _HEADER.unpack_from(data, 0)
        if magic != b"lCRF" or kind != b"FOMC" or version != 100 or size != len(data):
            raise ModelFormatError("not a crfsuite crf1d model (version 100)")
        labels = _cqdb_strings(data, off_labels, num_labels)
        attr_names = _cqdb_strings(data, off_attrs, num_attrs)
        chunk, _, num = struct.unpack_from("<4sII", data, off_features)
        if chunk != b"FEAT":
            raise ModelFormatError("no feature chunk")
        features = np.frombuffer(data, _FEATURE, num, off_features + 12)
        if (features["dst"] >= num_labels).any():
            raise ModelFormatError("a feature names an unknown label")
        # As crfsuite's tagger: the features an attribute's (a label's) references name.
        state = np.zeros((num_attrs, num_labels))
        transition = np.zeros((num_labels, num_labels))
        for table, kind, (owner, fids) in (
                (state, _STATE, _refs(data, off_attrrefs, b"AFRF", num_attrs)),
                (transition, _TRANSITION, _refs(data, off_labelrefs, b"LFRF", num_labels))):
            f = features[fids]
            if (f["type"] != kind).any() or (f["src"] != owner).any():
                raise ModelFormatError("a reference names a feature of another attribute or label")
            table[owner, f["dst"]] = f["weight"]
        return cls(labels, {a: i for i, a in enumerate(attr_names)}, state, transition)


def _cqdb_strings(data: bytes, offset: int, count: int) -> list[str]:
    """The strings of a CQDB chunk by id (its backward array), as crfsuite's ``to_string``."""
    chunk, _, _, _, bwd_size, bwd_offset = struct.unpack_from("<4sIIIII", data, offset)
    if chunk != b"CQDB" or bwd_size < count:
        raise ModelFormatError("no string table")
    out = []
    for i, rec in enumerate(struct.unpack_from(f"<{count}I", data, offset + bwd_offset)):
        rid, ksize = struct.unpack_from("<II", data, offset + rec)
        if rid != i or not rec:
            raise ModelFormatError(f"string {i} missing")
        start = offset + rec + 8
        out.append(data[start:start + ksize - 1].decode("utf-8"))
    return out


def _refs(data: bytes, offset: int, name: bytes, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(owner, feature id) of every feature reference of the first ``count`` attributes (labels)
    of a reference chunk, in order. crfsuite writes two label slots more than labels (for BOS
    and EOS) and leaves them empty."""
    chunk, _, num = struct.unpack_from("<4sII", data, offset)
    if chunk != name or num < count or offset % 4:
        raise ModelFormatError(f"no {name.decode()} chunk")
    words = np.frombuffer(data, "<u4", len(data) // 4)
    at = np.frombuffer(data, "<u4", count, offset + 12).astype(np.int64)
    if (at % 4).any():
        raise ModelFormatError(f"misaligned {name.decode()} chunk")
    at //= 4
    sizes = words[at].astype(np.int64)
    firsts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    index = np.arange(int(sizes.sum())) + np.repeat(at + 1 - firsts, sizes)
    return np.repeat(np.arange(count), sizes), words[index]


class Layout:
    """Where the tokens of sentences go when their positions are stepped through together.

    Sentences are ranked longest first; position ``t`` of the ``count[t]`` sentences longer than
    ``t`` fills rows ``start[t]:start[t] + count[t]`` of a packed array, in rank order, so every
    step works on one slice and each step's sentences are a prefix of the step before's.

    >>> lay = Layout(np.array([2, 3]))
    >>> lay.count.tolist(), lay.start.tolist(), lay.packed.tolist()
    ([2, 2, 1], [0, 2, 4], [1, 3, 0, 2, 4])
    """

    def __init__(self, lengths: np.ndarray):
        lengths = np.asarray(lengths, dtype=np.int64)
        self.lengths = lengths
        order = np.argsort(-lengths, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        longest = int(lengths.max()) if len(lengths) else 0
        # count[t]: sentences longer than t.
        self.count = len(lengths) - np.cumsum(np.bincount(lengths, minlength=longest + 1))[:longest]
        self.start = np.cumsum(self.count) - self.count
        pos = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        #: packed row of each token, tokens in sentence order
        self.packed = self.start[pos] + np.repeat(rank, lengths)
        #: packed row of each sentence's last token, by rank
        self.last = self.start[lengths[order] - 1] + np.arange(len(order))
        self.steps = [(int(s), int(n)) for s, n in zip(self.start, self.count)]


def viterbi(emission: np.ndarray, transition: np.ndarray, layout: Layout) -> np.ndarray:
    """Best label of every packed row, as crfsuite's ``crf1dc_viterbi``.

    ``emission[label, row]`` holds the state scores in ``layout``'s packed order (labels first,
    so that every NumPy call runs along the sentences). A step keeps only each label's best
    score; the back pointer of the label chosen is found again while tracing back, from the
    same sums, as the first best previous label (crfsuite's strict ``<`` keeps the first).
    """
    score = np.empty_like(emission)
    steps = layout.steps
    if not steps:
        return np.zeros(0, dtype=np.intp)
    s0, n0 = steps[0]
    score[:, s0:s0 + n0] = emission[:, s0:s0 + n0]
    into = transition[:, :, None]
    prev = s0
    for s, n in steps[1:]:
        best = (score[:, None, prev:prev + n] + into).max(axis=0)
        np.add(best, emission[:, s:s + n], out=score[:, s:s + n])
        prev = s
    labels = np.empty(emission.shape[1], dtype=np.intp)
    labels[layout.last] = score[:, layout.last].argmax(axis=0)
    for t in range(len(steps) - 1, 0, -1):
        s, n = steps[t]
        p = steps[t - 1][0]
        labels[p:p + n] = (score[:, p:p + n] + transition[:, labels[s:s + n]]).argmax(axis=0)
    return labels


def marginals(emission: np.ndarray, exp_transition: np.ndarray, layout: Layout) -> np.ndarray:
    """Marginal probability of every label at every packed row (``emission`` as for
    :func:`viterbi`), as crfsuite's scaled forward-backward (``crf1dc_alpha_score``,
    ``crf1dc_beta_score``, ``crf1dc_marginal_point``)."""
    exp_state = np.exp(emission)
    alpha = np.empty_like(exp_state)
    beta = np.empty_like(exp_state)
    scale = np.empty(exp_state.shape[1])
    steps = layout.steps
    if not steps:
        return alpha
    forward = np.ascontiguousarray(exp_transition.T)
    prev = None
    for s, n in steps:
        cur = exp_state[:, s:s + n] if prev is None \
            else (forward @ alpha[:, prev:prev + n]) * exp_state[:, s:s + n]
        total = cur.sum(axis=0)
        total[total == 0.0] = 1.0  # crfsuite: a scale of 1 where the sum is 0
        c = scale[s:s + n] = 1.0 / total
        np.multiply(cur, c, out=alpha[:, s:s + n])
        prev = s
    beta[:, layout.last] = scale[layout.last]
    for t in range(len(steps) - 2, -1, -1):
        s, _ = steps[t]
        s1, n1 = steps[t + 1]
        row = beta[:, s1:s1 + n1] * exp_state[:, s1:s1 + n1]
        np.multiply(exp_transition @ row, scale[s:s + n1], out=beta[:, s:s + n1])
    return alpha * beta / scale


# --- emission scores: the model's weights per token ---------------------------------------------

@dataclass
class TokenRows:
    """Cached tokens of a ``ModelRows`` (``export``), to carry to another process: ``pieces[k]``
    holds the known attributes of the five pieces of ``tokens[k]``."""

    tokens: list[str]
    pieces: list[tuple[tuple[str, ...], ...]]

    def __len__(self) -> int:
        return len(self.tokens)


class ModelRows:
    """Per token, the model's summed state weights for each place it takes in a CRF item.

    A token's item holds its own features, its neighbours' (as -1, +1, -2, +2) and the ``dlc``
    flag (``FeatureCache.sentence_features``), and its state score for a label is the sum of the
    weights of them all. Each of the five pieces depends on the token string only: its weights
    are summed once into a row of label weights, so that a batch's emission scores are six
    gathers and adds (``emission``). Within a piece the weights are added one after another
    as crfsuite does; the six pieces' sums are then added, not each weight, so a score may
    differ from crfsuite's in its last bits.

    Rows are kept once per distinct piece (the attributes the model knows: most words share
    the empty neighbour pieces of words the model does not know, or a suffix's), and a token
    keeps five row numbers (``pieces[5k:5k + 5]`` for token id ``k``). Token id 0 stands for
    the rows of sentence starts and ends (``BOS``, ``EOS``), of ``dlc``, and zeros.
    """

    _ZERO, _BOS, _EOS, _DLC = 0, 1, 2, 3

    def __init__(self, features: FeatureCache, model: CRFModel):
        self.features = features
        self.model = model
        self.ids: dict[str, int] = {}
        # The model's attribute strings, each token's pieces refer to these objects.
        self._known = {a: a for a in model.attributes}
        self.rows: dict[tuple[str, ...], int] = {}  # a piece's known attributes → its row
        self.keys: list[tuple[str, ...]] = []  # by row
        self.table = np.zeros((1024, len(model.labels)))
        self.pieces = np.zeros(5 * 4096, dtype=np.int32)
        self.pieces[:5] = self._row_numbers(
            [(), *(((a,) if a in self._known else ()) for a in ("BOS", "EOS", "dlc")), ()])

    def token_ids(self, tokens: list[str]) -> np.ndarray:
        """The id of each token, adding the rows of tokens not cached yet."""
        out = np.fromiter(map(self.ids.get, tokens, repeat(0)), np.intp, len(tokens))
        missing = out == 0
        if missing.any():
            if len(self.ids) >= token_features.CACHE_LIMIT:
                self._drop_recent()
                return self.token_ids(tokens)
            new = list(compress(tokens, missing))
            self._add(list(dict.fromkeys(new)))
            out[missing] = np.fromiter(map(self.ids.__getitem__, new), np.intp, len(new))
        return out

    def _add(self, tokens: list[str]) -> None:
        compute = self.features.compute
        known = self._known.get
        keys = []
        for tok in tokens:
            own, prev1, next1, prev2, next2, _ = compute(tok)
            # crfsuite skips the attributes its model lacks.
            keys += (tuple(filter(None, map(known, own))), tuple(filter(None, map(known, prev1))),
                     tuple(filter(None, map(known, next1))), tuple(filter(None, map(known, prev2))),
                     tuple(filter(None, map(known, next2))))
        self._store(tokens, keys)

    def _store(self, tokens: list[str], keys: list[tuple[str, ...]]) -> None:
        """Give new tokens the next ids, with the rows of their five pieces' ``keys``."""
        base = len(self.ids) + 1
        end = 5 * (base + len(tokens))
        if end > len(self.pieces):
            self.pieces = np.concatenate([self.pieces, np.zeros(end, dtype=np.int32)])
        self.pieces[5 * base:end] = self._row_numbers(keys)
        self.ids.update(zip(tokens, range(base, base + len(tokens))))

    def _row_numbers(self, keys: list[tuple[str, ...]]) -> list[int]:
        """The row of each piece (its known attributes), summing the weights of pieces new here."""
        rows = self.rows
        new = [k for k in dict.fromkeys(keys) if k not in rows]
        if new:
            first = len(self.keys)
            if first + len(new) > len(self.table):
                grown = np.zeros((2 * (first + len(new)), self.table.shape[1]))
                grown[:first] = self.table[:first]
                self.table = grown
            sizes = np.fromiter(map(len, new), np.intp, len(new))
            aids = np.fromiter(map(self.model.attributes.__getitem__, chain.from_iterable(new)),
                               np.intp, int(sizes.sum()))
            piece = np.repeat(np.arange(first, first + len(new)), sizes)
            order = np.arange(len(aids)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
            out = self.table
            out[first:first + len(new)] = 0.0
            # One weight after another within a piece, as crfsuite adds them.
            for k in range(int(sizes.max()) if len(sizes) else 0):
                at = order == k
                out[piece[at]] += self.model.state[aids[at]]
            rows.update(zip(new, range(first, first + len(new))))
            self.keys += new
        return list(map(rows.__getitem__, keys))

    def _drop_recent(self) -> None:
        """Keep the tokens cached first (see ``features.drop_recent``): ids stay those of the
        first."""
        keep = token_features.CACHE_LIMIT // 2
        self.ids = dict(islice(self.ids.items(), keep))

    def emission(self, ids: np.ndarray, lengths: np.ndarray, dlc: np.ndarray,
                 order: np.ndarray) -> np.ndarray:
        """State scores ``[label, row]`` of the tokens of sentences one after another (``ids``,
        ``lengths``; ``dlc`` true for a token whose lowercase form the article also writes),
        column ``r`` for token ``order[r]``."""
        ends = np.cumsum(lengths)
        starts = ends - lengths
        five = 5 * ids
        # Where each piece's row comes from, in the order of sentence_items: own, -1 (or BOS),
        # +1 (or EOS), -2, +2 (or nothing), dlc.
        prev1 = np.empty_like(five)
        prev1[1:] = five[:-1] + 1
        prev1[starts] = self._BOS
        next1 = np.empty_like(five)
        next1[:-1] = five[1:] + 2
        next1[ends - 1] = self._EOS
        prev2 = np.empty_like(five)
        prev2[2:] = five[:-2] + 3
        prev2[starts] = self._ZERO
        prev2[starts[lengths > 1] + 1] = self._ZERO
        next2 = np.empty_like(five)
        next2[:-2] = five[2:] + 4
        next2[ends - 1] = self._ZERO
        next2[ends[lengths > 1] - 2] = self._ZERO
        table, pieces = self.table, self.pieces
        out = table.take(pieces.take(five[order]), axis=0)
        for source in (prev1, next1, prev2, next2):
            out += table.take(pieces.take(source[order]), axis=0)
        out += table.take(pieces.take(np.where(dlc[order], self._DLC, self._ZERO)), axis=0)
        return np.ascontiguousarray(out.T)

    def export(self, start: int, stop: int) -> TokenRows:
        """The tokens cached ``start``-th to ``stop``-th."""
        tokens = list(islice(self.ids, start, stop))
        keys = self.keys
        rows = self.pieces[5 * (start + 1):5 * (start + 1 + len(tokens))].tolist()
        return TokenRows(tokens, [tuple(map(keys.__getitem__, rows[i:i + 5]))
                          for i in range(0, len(rows), 5)])

    def carry(self, carried: TokenRows, limit: int) -> None:
        """Add another process's tokens, up to ``limit`` tokens in all, first come kept."""
        room = limit - len(self.ids)
        if room <= 0:
            return
        keep = [k for k, tok in enumerate(carried.tokens) if tok not in self.ids][:room]
        if not keep:
            return
        tokens = [carried.tokens[k] for k in keep]
        self._store(tokens, [key for k in keep for key in carried.pieces[k]])

