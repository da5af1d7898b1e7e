"""The ranking as the live app uses it: score every record (labelled ones too), keep the model's top terms.

Pure Python (scikit-learn, NumPy), no Django. :func:`rank` in :mod:`.model` orders only the unlabelled
records, which suits the simulator; the app also needs an order for records that have a single vote (they
are labels, yet wait for a second reviewer), so :func:`score_all` scores the whole corpus with one model.
:func:`terms_present` answers "why does this record rank high": the model's most positive terms that occur
in the record's text, tokenised the way the vectoriser does it.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .features import Corpus
from .model import ModelSpec, _cap_training_set, _int_seed, _key_int, _split_labels, model_train

__all__ = ["LiveRanking", "score_all", "terms_present"]

RecordId = Hashable
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
# English function words (articles, prepositions, conjunctions, pronouns, auxiliaries, a few adverbs): words
# that explain nothing on their own. Not scikit-learn's stop list, which also holds content words a review
# needs to see ("side effects", "immune system", "conflict of interest", "full").
FUNCTION_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before being below
    between both but by can could did do does doing down during each either few for from had has have
    having he her here hers herself him himself his how however if in into is it its itself may me might
    more most must my myself neither no nor not of off on once only or other our ours ourselves out over
    own same shall she should so some such than that the their theirs them themselves then there these
    they this those through thus to too under until up upon us very via was we were what when where which
    while who whom whose why will with within without would yet you your yours yourself yourselves""".split()  # noqa: SIM905 - a word list reads better as text
)


@dataclass(frozen=True)
class LiveRanking:
    """Every corpus record, most likely relevant first (``order``), with its score (same positions)."""

    order: tuple[RecordId, ...]
    scores: tuple[float, ...]
    top_terms: tuple[tuple[str, float], ...]  # the model's most positive terms, largest weight first
    model_version: str
    n_included: int
    n_excluded: int
    cold_start: bool


def score_all(
    corpus: Corpus,
    labels: Iterable[tuple[RecordId, bool]],
    *,
    spec: ModelSpec | None = None,
    seed: int | str = 0,
    n_top_terms: int = 300,
    max_train: int | None = 20_000,
) -> LiveRanking:
    """Train on ``labels`` (record id, included?) and score every record; ties by the cold-start key.

    Until there is an include and an exclude there is no model: ``cold_start`` and no order (the app keeps
    its stable random order)."""
    spec = spec or ModelSpec()
    rows, y = _split_labels(corpus, labels)
    n_inc, n_exc = int(y.sum()), int(len(y) - y.sum())
    if n_inc == 0 or n_exc == 0 or corpus.matrix.shape[1] == 0:
        return LiveRanking((), (), (), "cold-start", n_inc, n_exc, cold_start=True)
    rows, y = _cap_training_set(rows, y, max_train, _int_seed(seed))
    model = model_train(corpus.matrix[rows], y, spec, seed=_int_seed(seed), corpus_matrix=corpus.matrix)
    scores = model.scores(corpus.matrix)
    ids = corpus.record_ids
    keys = np.fromiter((_key_int(rid, seed) for rid in ids), dtype=np.uint64, count=len(ids))
    order = np.lexsort((keys, -scores))
    terms = _explaining_terms(corpus, model.coef, n_top_terms)
    return LiveRanking(
        order=tuple(ids[i] for i in order),
        scores=tuple(float(scores[i]) for i in order),
        top_terms=terms,
        model_version=f"{corpus.spec.version()}/{spec.version()}",
        n_included=n_inc,
        n_excluded=n_exc,
        cold_start=False,
    )


def _explaining_terms(corpus: Corpus, coef: np.ndarray, n: int) -> tuple[tuple[str, float], ...]:
    """The model's ``n`` most positive terms that say something to a reader. Terms that begin or end with
    a function word (``FUNCTION_WORDS``: "to", "of the", "harm and", "to gambling") can carry weight in the
    model (it keeps them, as ASReview's does) but read as noise, so "why it ranks high" shows content words
    and phrases of content words only ("gambling", "gambling industry"); the scores are unchanged."""
    positive = np.flatnonzero(coef > 0)
    found: list[tuple[str, float]] = []
    for j in positive[np.argsort(-coef[positive], kind="stable")]:
        term = str(corpus.terms[j])
        words = term.split()
        if words[0] not in FUNCTION_WORDS and words[-1] not in FUNCTION_WORDS:
            found.append((term, round(float(coef[j]), 4)))
            if len(found) == n:
                break
    return tuple(found)


def _grams(text: str, ngram_max: int = 2) -> set[str]:
    tokens = _TOKEN.findall(text.lower())
    grams = set(tokens)
    for n in range(2, ngram_max + 1):
        grams.update(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def terms_present(
    text: str, top_terms: Sequence[Sequence], n: int = 5, ngram_max: int = 2
) -> list[tuple[str, float]]:
    """The ``n`` heaviest of the model's top terms that occur in ``text`` (word 1- and 2-grams)."""
    grams = _grams(text or "", ngram_max)
    found = [(str(term), float(weight)) for term, weight in top_terms if term in grams]
    return found[:n]
