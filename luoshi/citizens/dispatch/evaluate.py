"""How good the suggestions are: k-fold cross-validation on labelled requests.

For each of k folds (stratified, so every category appears in every fold): fit the
model on the other folds, then score the fold's requests one by one as intake
does, timing each. Reported: accuracy (the first suggestion right), macro-F1 (each
class counts the same, so a small unit's failures show), F1 per class, top-3
accuracy (the right answer among the three shown), and milliseconds per suggestion.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from . import model

TIMED = 300  # suggestions timed per fold


@dataclass
class Evaluation:
    examples: int
    folds: int
    accuracy: float
    macro_f1: float
    top3: float
    ms_per_suggestion: float
    per_class: dict[str, tuple[float, int]]  # label → (F1, examples)
    dropped: list[str]

    def as_dict(self) -> dict:
        return {
            "examples": self.examples,
            "folds": self.folds,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "top3": round(self.top3, 4),
            "ms_per_suggestion": round(self.ms_per_suggestion, 3),
            "per_class": {k: [round(f, 4), n] for k, (f, n) in self.per_class.items()},
        }


def cross_validate(
    texts: Sequence[str],
    labels: Sequence,
    *,
    folds: int = 5,
    seed: int = 0,
    words: bool | None = None,
) -> Evaluation:
    """k-fold figures for texts → labels (classes with too few examples are left out)."""
    counts: dict = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    enough = max(folds, model.MIN_EXAMPLES + 1)
    kept = [i for i, label in enumerate(labels) if counts[label] >= enough]
    dropped = sorted({str(label) for label, n in counts.items() if n < enough})
    x = np.array([texts[i] for i in kept], dtype=object)
    y = np.array([str(labels[i]) for i in kept], dtype=object)
    if len(set(y)) < 2:
        raise ValueError("at least two classes with enough examples are needed")
    truth, first, top3, timings = [], [], [], []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(x, y):
        bundle = model.fit(list(x[train]), {"label": list(y[train])}, words=words)
        head = bundle.heads["label"]
        features = bundle.vectorizer.transform(list(x[test]))
        probabilities = head.probabilities(features)
        order = np.argsort(-probabilities, axis=1)[:, :3]
        truth += list(y[test])
        first += [head.labels[o[0]] for o in order]
        top3 += [y[test][i] in set(head.labels[order[i]]) for i in range(len(test))]
        timings.append(_time(bundle, list(x[test][:TIMED])))
    classes = sorted(set(truth))
    scores = f1_score(truth, first, labels=classes, average=None, zero_division=0)
    support = {c: truth.count(c) for c in classes}
    return Evaluation(
        examples=len(y),
        folds=folds,
        accuracy=float(accuracy_score(truth, first)),
        macro_f1=float(f1_score(truth, first, average="macro", zero_division=0)),
        top3=float(np.mean(top3)),
        ms_per_suggestion=float(np.mean(timings)),
        per_class={c: (float(s), support[c]) for c, s in zip(classes, scores, strict=True)},
        dropped=dropped,
    )


def _time(bundle: model.Bundle, texts: list[str]) -> float:
    """Milliseconds per suggestion, one text at a time as at intake."""
    started = time.perf_counter()
    for text in texts:
        bundle.top(text)
    return (time.perf_counter() - started) * 1000 / max(len(texts), 1)
