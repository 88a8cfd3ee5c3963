"""The dispatch model: request text → calibrated scores for each category and each unit.

1. Text: NFKC (full-width digits and letters made plain), lower case, runs of
   digits collapsed to "0" (house numbers and phone numbers carry no meaning here).
2. Features: TF-IDF of character 1–3-grams (no word segmentation needed for
   Chinese; typos cost one n-gram, not the word), optionally also jieba words
   (LUOSHI["DISPATCH_JIEBA"]), sublinear term frequency.
3. One linear classifier per head (category, unit): SGDClassifier with hinge loss
   and balanced class weights (rare categories and small units are not drowned by
   the big ones), fitted on 85 % of the examples.
4. Calibration: per class, a sigmoid (Platt scaling) fitted on the held-out 15 % maps
   the classifier's score to a probability; the probabilities are normalised, so
   "0.82" means about 82 % of such suggestions were right on unseen requests.
5. Prediction is a sparse row times the coefficient matrix and the sigmoids, in
   numpy, without scikit-learn's per-call checks (< 5 ms, docs/benchmarks.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion

DIGITS = re.compile(r"\d+")
MIN_EXAMPLES = 3  # a class with fewer cannot be both learnt and checked
HOLD_OUT = 0.15
FORMAT = 1  # raised when the stored bundle's layout changes


def normalise(text: str) -> str:
    return DIGITS.sub("0", unicodedata.normalize("NFKC", text or "").lower())


def jieba_words(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text) if w.strip()]


def use_jieba() -> bool:
    if not settings.LUOSHI.get("DISPATCH_JIEBA"):
        return False
    try:
        import jieba  # noqa: F401
    except ImportError:
        return False
    return True


def make_vectorizer(words: bool = False):
    chars = TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        preprocessor=normalise,
        sublinear_tf=True,
        min_df=2,
        max_features=300_000,
        dtype=np.float32,
    )
    if not words:
        return chars
    tokens = TfidfVectorizer(
        tokenizer=jieba_words,
        preprocessor=normalise,
        token_pattern=None,
        lowercase=False,
        sublinear_tf=True,
        min_df=2,
        dtype=np.float32,
    )
    return FeatureUnion([("chars", chars), ("words", tokens)])


@dataclass
class Head:
    """One calibrated linear classifier over the shared features."""

    labels: np.ndarray
    coef: np.ndarray  # classes × features
    intercept: np.ndarray
    slope: np.ndarray  # Platt scaling per class: p = 1 / (1 + exp(slope·s + offset))
    offset: np.ndarray
    dropped: list = field(default_factory=list)  # labels with too few examples

    def probabilities(self, features: sparse.csr_matrix) -> np.ndarray:
        scores = features @ self.coef.T + self.intercept
        calibrated = 1.0 / (1.0 + np.exp(np.clip(self.slope * scores + self.offset, -60, 60)))
        total = calibrated.sum(axis=1, keepdims=True)
        return calibrated / np.where(total > 0, total, 1.0)

    def top(self, features: sparse.csr_matrix, n: int = 3) -> list[tuple[object, float]]:
        probabilities = self.probabilities(features)[0]
        order = np.argsort(-probabilities)[:n]
        return [(self.labels[i].item(), float(probabilities[i])) for i in order]


def _scores(classifier: SGDClassifier, features) -> np.ndarray:
    scores = classifier.decision_function(features)
    if scores.ndim == 1:  # two classes: one score for the second
        scores = np.column_stack([-scores, scores])
    return scores


def _platt(scores: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Fit p = 1/(1+exp(a·s+b)) on one class's held-out scores (Platt scaling)."""
    if truth.all() or not truth.any():
        return -1.0, 0.0
    model = LogisticRegression(C=1e4).fit(scores.reshape(-1, 1), truth)
    return -float(model.coef_[0, 0]), -float(model.intercept_[0])


def fit_head(features, labels: Sequence, seed: int = 0) -> Head | None:
    """Fit one head; None when fewer than two classes have enough examples."""
    counts = Counter(labels)
    kept = {label for label, n in counts.items() if n >= MIN_EXAMPLES}
    if len(kept) < 2:
        return None
    rows = np.array([i for i, label in enumerate(labels) if label in kept])
    y = np.array([labels[i] for i in rows])
    train, held = train_test_split(rows, test_size=HOLD_OUT, random_state=seed, stratify=y)
    classifier = SGDClassifier(
        loss="hinge",
        alpha=2e-5,
        class_weight="balanced",
        max_iter=15,
        tol=None,
        random_state=seed,
    )
    classifier.fit(features[train], np.array([labels[i] for i in train]))
    scores = _scores(classifier, features[held])
    truth = np.array([labels[i] for i in held])
    pairs = [_platt(scores[:, k], truth == c) for k, c in enumerate(classifier.classes_)]
    coef = classifier.coef_
    intercept = classifier.intercept_
    if coef.shape[0] == 1:
        coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    return Head(
        labels=classifier.classes_,
        coef=np.asarray(coef, dtype=np.float32),
        intercept=np.asarray(intercept, dtype=np.float32),
        slope=np.array([a for a, _ in pairs], dtype=np.float32),
        offset=np.array([b for _, b in pairs], dtype=np.float32),
        dropped=sorted(set(counts) - kept, key=str),
    )


@dataclass
class Bundle:
    """What is stored: the features and the heads (by name: "category", "unit")."""

    vectorizer: Any  # a fitted FeatureUnion; sklearn ships no types
    heads: dict[str, Head]
    examples: int
    format: int = FORMAT

    def features(self, text: str) -> sparse.csr_matrix:
        return self.vectorizer.transform([text])

    def top(self, text: str, n: int = 3) -> dict[str, list[tuple[object, float]]]:
        features = self.features(text)
        return {name: head.top(features, n) for name, head in self.heads.items()}


def fit(texts: Sequence[str], targets: dict[str, Sequence], words: bool | None = None) -> Bundle:
    """Fit the features on all texts and one head per target (None labels are skipped)."""
    vectorizer = make_vectorizer(use_jieba() if words is None else words)
    features = vectorizer.fit_transform(texts).tocsr()
    heads = {}
    for name, labels in targets.items():
        rows = [i for i, label in enumerate(labels) if label is not None]
        head = fit_head(features[rows], [labels[i] for i in rows])
        if head is not None:
            heads[name] = head
    return Bundle(vectorizer=vectorizer, heads=heads, examples=len(texts))
