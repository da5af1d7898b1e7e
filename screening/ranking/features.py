"""Text features for the ranking: one TF-IDF matrix per corpus, fitted once and reused for every retrain.

Pure Python (scikit-learn, SciPy), no Django. A *corpus* is every record of a review that can be ranked,
each given as ``(record_id, text)`` where text is title and abstract joined by the caller
(:func:`record_text`). The vectoriser (word 1-2-grams, sublinear tf, l2 norm) is fitted on the whole corpus,
labelled and unlabelled alike: TF-IDF is unsupervised, so using the unlabelled text is not a leak, and it
means the matrix only changes when records are added, not when votes come in. Only the linear model is
refitted as labels arrive (see :mod:`screening.ranking.model`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["Corpus", "FeatureSpec", "corpus_build", "corpus_fingerprint", "record_text"]

RecordId = Hashable
TITLE_WEIGHT = 1  # title then abstract, as ASReview 3.0.8's default (issue 11, see the screening benchmark)


@dataclass(frozen=True)
class FeatureSpec:
    """How text becomes features. The defaults (2026-12-03, issue 11) are ASReview 3.0.8's default TF-IDF
    ("ELAS u4": word 1-2-grams, sublinear tf, min_df 1, max_df 0.95, title and abstract), chosen on the
    tuning sets by the criterion in the README (see :mod:`.model`).

    ``min_df=2`` would drop n-grams seen in a single record: they cannot carry information from a labelled
    record to an unlabelled one and are most of the bigram vocabulary (the previous default); min_df 1
    keeps them, as ASReview does, so the vocabulary is larger (ranking_speed_bench.py measures the cost).

    ``title_weight``: how many times :func:`record_text` writes the title before the abstract (the title's
    words count that much more in the term frequencies); callers build the texts with it, the vectoriser
    only sees text.
    """

    ngram_max: int = 2
    min_df: int = 1
    max_df: float = 0.95
    stop_words: bool = False
    sublinear_tf: bool = True
    max_features: int | None = None
    title_weight: int = TITLE_WEIGHT

    def version(self) -> str:
        stop = "en" if self.stop_words else "none"
        sub = int(self.sublinear_tf)
        title = f"-title{self.title_weight}" if self.title_weight != 1 else ""
        return f"tfidf-1-{self.ngram_max}-min{self.min_df}-max{self.max_df}-stop{stop}-sub{sub}{title}"


@dataclass(frozen=True, eq=False)
class Corpus:
    """A fitted vectoriser's output: row i of ``matrix`` is record ``record_ids[i]``."""

    record_ids: tuple[RecordId, ...]
    matrix: sp.csr_matrix
    terms: np.ndarray
    spec: FeatureSpec
    fingerprint: str
    _index: dict[RecordId, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index.update((rid, i) for i, rid in enumerate(self.record_ids))

    def __len__(self) -> int:
        return len(self.record_ids)

    def rows(self, record_ids: Iterable[RecordId]) -> np.ndarray:
        """Row numbers of these records (KeyError naming the first unknown id)."""
        try:
            return np.fromiter((self._index[rid] for rid in record_ids), dtype=np.int64)
        except KeyError as exc:
            raise KeyError(f"record {exc.args[0]!r} is not in the corpus") from exc

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._index


def record_text(
    title: str | None, abstract: str | None, keywords: str | None = None, title_weight: int = TITLE_WEIGHT
) -> str:
    """The text the model sees: the title ``title_weight`` times, abstract (and keywords if the caller has
    them), one string."""
    titles = [title] * max(1, title_weight) if title else []
    return " ".join(part for part in (*titles, abstract, keywords) if part)


def corpus_fingerprint(records: Sequence[tuple[RecordId, str]], spec: FeatureSpec) -> str:
    """A cache key: the same records with the same texts and spec give the same fingerprint."""
    digest = hashlib.blake2b(spec.version().encode(), digest_size=16)
    for rid, text in records:
        digest.update(repr(rid).encode())
        digest.update(b"\x1f")
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def corpus_build(records: Sequence[tuple[RecordId, str]], spec: FeatureSpec | None = None) -> Corpus:
    """Fit the TF-IDF vectoriser on every record's text; the result is what the caller caches."""
    spec = spec or FeatureSpec()
    ids = tuple(rid for rid, _ in records)
    if len(set(ids)) != len(ids):
        raise ValueError("record ids in a corpus must be unique")
    texts = [text for _, text in records]
    matrix, terms = _vectorise(texts, spec)
    return Corpus(ids, matrix, terms, spec, corpus_fingerprint(records, spec))


def _vectorise(texts: list[str], spec: FeatureSpec) -> tuple[sp.csr_matrix, np.ndarray]:
    # A tiny corpus cannot satisfy min_df/max_df (sklearn raises); relax them rather than fail.
    min_df = spec.min_df if len(texts) >= 2 * spec.min_df else 1
    max_df = spec.max_df if len(texts) >= 20 else 1.0
    vectoriser = TfidfVectorizer(
        ngram_range=(1, spec.ngram_max),
        min_df=min_df,
        max_df=max_df,
        stop_words="english" if spec.stop_words else None,
        sublinear_tf=spec.sublinear_tf,
        max_features=spec.max_features,
        dtype=np.float32,
    )
    try:
        matrix = vectoriser.fit_transform(texts)
    except ValueError:  # no term at all (every text empty or only stop words)
        return sp.csr_matrix((len(texts), 0), dtype=np.float32), np.array([], dtype=object)
    matrix = sp.csr_matrix(matrix)
    matrix.sort_indices()  # the vocabulary's alphabetical re-numbering leaves each row's columns unsorted
    return matrix, vectoriser.get_feature_names_out()
