"""R1: every field of every Intreccio model is classified; the register is built from it."""

from __future__ import annotations

from intreccio.core.privacy import P, classifiable_fields, intreccio_models, unclassified_fields


def test_every_field_is_classified() -> None:
    missing = unclassified_fields()
    assert not missing, f"Fields without a privacy classification (add them to the model's `privacy`): {missing}"


def test_classifications_name_only_real_fields() -> None:
    stale = []
    for model in intreccio_models():
        names = set(classifiable_fields(model))
        for declared, classification in getattr(model, "privacy", {}).items():
            assert isinstance(classification, P), (model, declared)
            if declared not in names:
                stale.append(f"{model._meta.label}.{declared}")
    assert not stale, f"Classified fields that do not exist: {stale}"


def test_the_check_sees_a_missing_field(monkeypatch) -> None:
    from intreccio.territory.models import Ambito

    reduced = dict(Ambito.privacy)
    reduced.pop("region")
    monkeypatch.setattr(Ambito, "privacy", reduced)
    assert "territory.Ambito.region" in unclassified_fields()
