"""Tests for index.entities.crf: the crfsuite model read into NumPy, and batched Viterbi and marginals."""

import math

import numpy as np
import pycrfsuite
import pytest

from index.entities import DEFAULT_MODEL
from index.entities.crf import CRFModel, Layout, ModelFormatError, marginals, viterbi


@pytest.fixture(scope="module")
def model():
    return CRFModel.read(DEFAULT_MODEL)


def test_model_has_crfsuite_labels_attributes_and_weights(model):
    tagger = pycrfsuite.Tagger()
    tagger.open(str(DEFAULT_MODEL))
    info = tagger.info()
    assert model.labels == tagger.labels()
    assert set(model.attributes) == set(info.attributes)
    # info() prints weights with six decimals; the file holds the doubles.
    label = model.labels.index
    assert np.count_nonzero(model.state) == len(info.state_features)
    for (attr, lab), weight in info.state_features.items():
        assert model.state[model.attributes[attr], label(lab)] == pytest.approx(weight, abs=5e-7)
    assert np.count_nonzero(model.transition) == len(info.transitions)
    for (a, b), weight in info.transitions.items():
        assert model.transition[label(a), label(b)] == pytest.approx(weight, abs=5e-7)


def test_a_file_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "model.crfsuite"
    for data in (b"", b"lCRF" + b"\0" * 60, DEFAULT_MODEL.read_bytes()[:-8]):
        path.write_bytes(data)
        with pytest.raises(ModelFormatError):
            CRFModel.read(path)


def test_layout_packs_each_position_of_the_longer_sentences_together():
    lay = Layout(np.array([2, 3, 1]))
    # ranks: the 3-token sentence 0, the 2-token one 1, the 1-token one 2
    assert lay.count.tolist() == [3, 2, 1] and lay.start.tolist() == [0, 3, 5]
    assert lay.packed.tolist() == [1, 4, 0, 3, 5, 2]
    assert lay.last.tolist() == [5, 4, 2]


def _crfsuite_viterbi(state, trans):
    """crf1dc_viterbi, line by line: a strict < keeps the first best label."""
    T, L = state.shape
    score = [list(state[0])]
    back = [[0] * L]
    for t in range(1, T):
        cur, bk = [], []
        for j in range(L):
            best, arg = -math.inf, -1
            for i in range(L):
                s = score[t - 1][i] + trans[i][j]
                if best < s:
                    best, arg = s, i
            cur.append(best + state[t][j])
            bk.append(arg)
        score.append(cur)
        back.append(bk)
    labels = [0] * T
    best = -math.inf
    for i in range(L):
        if best < score[T - 1][i]:
            best, labels[T - 1] = score[T - 1][i], i
    for t in range(T - 2, -1, -1):
        labels[t] = back[t + 1][labels[t + 1]]
    return labels


def _crfsuite_marginals(state, trans):
    """crf1dc_alpha_score, crf1dc_beta_score and crf1dc_marginal_point, line by line."""
    T, L = state.shape
    es, et = np.exp(state), np.exp(trans)
    alpha, beta, scale = np.zeros((T, L)), np.zeros((T, L)), np.zeros(T)
    for t in range(T):
        cur = es[0].copy() if t == 0 else sum(alpha[t - 1][i] * et[i] for i in range(L)) * es[t]
        total = cur.sum()
        scale[t] = 1.0 / total if total != 0 else 1.0
        alpha[t] = cur * scale[t]
    beta[T - 1] = scale[T - 1]
    for t in range(T - 2, -1, -1):
        row = beta[t + 1] * es[t + 1]
        beta[t] = [sum(et[i][j] * row[j] for j in range(L)) * scale[t] for i in range(L)]
    return alpha * beta / scale[:, None]


def _packed(sentences, lay):
    emission = np.concatenate(sentences)
    packed = np.empty_like(emission)
    packed[lay.packed] = emission
    return np.ascontiguousarray(packed.T)


@pytest.mark.parametrize("seed", range(5))
def test_viterbi_and_marginals_of_many_sentences_are_crfsuites(seed):
    rng = np.random.default_rng(seed)
    L = 5
    # Small integers: many exact ties, which must go to the first label as in crfsuite.
    trans = rng.integers(-2, 3, (L, L)).astype(float)
    sentences = [rng.integers(-2, 3, (n, L)).astype(float) for n in rng.integers(1, 12, 40)]
    lay = Layout(np.array([len(s) for s in sentences]))
    emission = _packed(sentences, lay)
    labels = viterbi(emission, trans, lay)[lay.packed]
    probs = marginals(emission, np.exp(trans), lay).T[lay.packed]
    at = 0
    for s in sentences:
        assert labels[at:at + len(s)].tolist() == _crfsuite_viterbi(s, trans)
        assert np.allclose(probs[at:at + len(s)], _crfsuite_marginals(s, trans),
                           rtol=0, atol=1e-12)
        at += len(s)


def test_no_sentences():
    lay = Layout(np.zeros(0, dtype=np.intp))
    empty = np.zeros((3, 0))
    assert viterbi(empty, np.zeros((3, 3)), lay).tolist() == []
    assert marginals(empty, np.ones((3, 3)), lay).shape == (3, 0)
