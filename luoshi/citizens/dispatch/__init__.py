"""Dispatch learned from past dispatches: model, storage, history, evaluation, suggestions."""
