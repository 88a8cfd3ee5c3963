"""Training the dispatch model on the platform's history (`luoshi dispatch train`)."""

from __future__ import annotations

import time

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition

from ..models import DispatchModel
from . import model, store
from .history import platform_history

MIN_HISTORY = 30  # fewer examples teach nothing the category table does not


def train(*, actor: User | None = None, words: bool | None = None) -> DispatchModel:
    """Fit on every final dispatch and past dispatch, store the model, record it."""
    history = platform_history()
    if len(history) < MIN_HISTORY:
        raise IllegalTransition(
            _("Only %(n)s dispatched requests to learn from; at least %(min)s are needed.")
            % {"n": len(history), "min": MIN_HISTORY}
        )
    started = time.perf_counter()
    bundle = model.fit(
        history.texts, {"category": history.categories, "unit": history.units}, words=words
    )
    if not bundle.heads:
        raise IllegalTransition(_("The history names fewer than two categories or units."))
    return store.save(bundle, seconds=time.perf_counter() - started, actor=actor)
