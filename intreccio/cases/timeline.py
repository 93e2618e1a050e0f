"""Sentences for the case timeline, contributed by every app that writes events about a case.

Apps above cases (assessments, plans, meetings) register theirs in ``AppConfig.ready`` so the
timeline can tell their events in words without importing them. A sentence is a lazy
translation with ``%(actor)s``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise

_SENTENCES: dict[str, Promise | str] = {}


def register_sentences(sentences: Mapping[str, Promise | str]) -> None:
    _SENTENCES.update(sentences)


def sentence_for(action: str) -> Promise | str | None:
    return _SENTENCES.get(action)
