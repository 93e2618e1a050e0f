"""R1: the register of processing (art. 30) and the DPIA inventory (art. 35) are generated from the
classification of every field, each field listed exactly once."""

from __future__ import annotations

from collections import Counter

import pytest

from intreccio.accounts.models import Role
from intreccio.cases.models import CaseNote, Section
from intreccio.cases.permissions import COORDINATION_SECTIONS, ROLE_SECTIONS
from intreccio.core.privacy import (
    ACTIVITIES,
    DPIA_CATEGORIES,
    DPIA_NOTES,
    LEGAL_BASIS,
    RETENTION,
    Category,
    P,
    Purpose,
    classifiable_fields,
    intreccio_models,
)
from intreccio.oversight.register import LOCATIONS, build_register, dpia_rows, section_access
from intreccio.oversight.services import controller_designate
from intreccio.oversight.tests.conftest import World
from intreccio.territory.models import Ambito

pytestmark = pytest.mark.usefixtures("english")


def _classified() -> set[str]:
    codes = set()
    for model in intreccio_models():
        declared = getattr(model, "privacy", {})
        codes |= {f"{model._meta.label}.{name}" for name in classifiable_fields(model) if name in declared}
    return codes


def test_the_register_lists_every_classified_field_exactly_once(db: None) -> None:
    register = build_register(None)
    listed = Counter(entry.code for entry in register.entries())
    assert [code for code, n in listed.items() if n > 1] == []
    assert set(listed) == _classified()
    assert len(listed) > 400  # the whole application, not a sample


def test_each_field_is_told_under_its_purpose_and_category(db: None) -> None:
    register = build_register(None)
    for activity in register.activities:
        assert activity.activity is ACTIVITIES[activity.purpose]
        for block in activity.categories:
            assert block.basis is LEGAL_BASIS[block.category]
            for group in block.models:
                for entry in group.fields:
                    assert (entry.purpose, entry.category) == (activity.purpose, block.category), entry
    non_personal = {entry.category for group in register.non_personal for entry in group.fields}
    assert non_personal == {Category.NONE}


def test_a_field_without_classification_is_left_out_and_named(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    reduced = dict(Ambito.privacy)
    reduced.pop("region")
    monkeypatch.setattr(Ambito, "privacy", reduced)
    register = build_register(None)
    assert "territory.Ambito.region" in register.unclassified
    assert "territory.Ambito.region" not in {entry.code for entry in register.entries()}


def test_a_new_special_field_reaches_the_register_and_the_dpia(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Ambito, "privacy", {**Ambito.privacy, "region": P(Category.SPECIAL, Purpose.CARE)})
    register = build_register(None)
    care = next(a for a in register.activities if a.purpose == Purpose.CARE)
    special = next(b for b in care.categories if b.category == Category.SPECIAL)
    assert "territory.Ambito.region" in {e.code for g in special.models for e in g.fields}
    assert "2-sexies" in str(special.basis.special)
    row = next(r for r in dpia_rows() if r.entry.code == "territory.Ambito.region")
    # Nobody described where an ambito's region is read: the inventory says so.
    assert not row.described


def test_every_purpose_and_category_has_its_register_entries() -> None:
    assert set(ACTIVITIES) == set(Purpose.values)
    assert all(a.subjects and a.recipients and a.description for a in ACTIVITIES.values())
    assert set(LEGAL_BASIS) == set(RETENTION) == set(Category.values)
    assert set(DPIA_NOTES) == set(DPIA_CATEGORIES)
    for category in DPIA_CATEGORIES:
        assert LEGAL_BASIS[category].special, category  # art. 9 or 10 condition named


def test_encrypted_fields_are_listed_as_a_measure(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    text = CaseNote._meta.get_field("text")
    monkeypatch.setattr(text, "encrypted", True, raising=False)
    register = build_register(None)
    assert "cases.CaseNote.text" in {e.code for e in register.encrypted}
    measure = next(m for m in register.measures if m.requirement == "R12")
    assert "Case note – Text" in measure.detail
    assert next(r for r in dpia_rows() if r.entry.code == "cases.CaseNote.text").entry.encrypted


def test_encryption_is_read_from_the_fields_themselves(db: None) -> None:
    expected = {
        f"{model._meta.label}.{field.name}"
        for model in intreccio_models()
        for field in [*model._meta.concrete_fields, *model._meta.local_many_to_many]
        if getattr(field, "encrypted", False) is True
    }
    assert {e.code for e in build_register(None).encrypted} == expected


class TestDpia:
    def test_every_sensitive_field_once_and_nothing_else(self, db: None) -> None:
        rows = dpia_rows()
        codes = Counter(r.entry.code for r in rows)
        assert all(n == 1 for n in codes.values())
        expected = {
            f"{model._meta.label}.{name}"
            for model in intreccio_models()
            for name, p in getattr(model, "privacy", {}).items()
            if p.category in DPIA_CATEGORIES
        }
        assert set(codes) == expected

    def test_every_model_with_sensitive_data_says_where_it_is_read(self, db: None) -> None:
        undescribed = sorted({r.entry.model_label for r in dpia_rows() if not r.described})
        assert not undescribed, f"Describe these in intreccio.oversight.register.LOCATIONS: {undescribed}"

    def test_no_description_of_a_model_without_sensitive_data(self, db: None) -> None:
        sensitive = {r.entry.model_label for r in dpia_rows()}
        installed = {model._meta.label for model in intreccio_models()}
        assert sorted((set(LOCATIONS) & installed) - sensitive) == []
        # A description may precede its model by a commit, never name an app that does not exist.
        labels = {model._meta.app_label for model in intreccio_models()}
        assert {key.split(".")[0] for key in LOCATIONS} <= labels

    def test_a_note_in_any_section_is_read_by_each_sections_readers(self, db: None) -> None:
        row = next(r for r in dpia_rows() if r.entry.code == "cases.CaseNote.text")
        assert {s.section for s in row.sections} == set(Section.values)
        assert "never by break-the-glass" in row.readers


class TestSections:
    def test_the_table_follows_the_case_permissions(self) -> None:
        for access in section_access():
            team = {r for r in Role.values if access.section in ROLE_SECTIONS.get(r, ())}
            assert set(access.team_roles) == {str(Role(r).label) for r in team}
            if access.section not in COORDINATION_SECTIONS:
                assert access.coordination_roles == ()

    def test_violence_is_never_opened_by_break_the_glass(self) -> None:
        by_section = {s.section: s for s in section_access()}
        assert not by_section[Section.VIOLENCE].break_the_glass
        assert by_section[Section.HEALTH].break_the_glass

    def test_the_employment_centre_does_not_read_health(self) -> None:
        health = next(s for s in section_access() if s.section == Section.HEALTH)
        assert str(Role.CPI_OPERATOR.label) not in health.team_roles
        assert str(Role.HEALTH_SPECIALIST.label) in health.team_roles


def test_the_controller_comes_from_the_database(world: World) -> None:
    assert build_register(world.cremonese).designation is None
    controller_designate(
        actor=world.ada,
        ambito=world.cremonese,
        lead_organisation=world.cremona,
        dpo_name="Ufficio RPD",
        dpo_email="rpd@example.org",
    )
    designation = build_register(world.cremonese).designation
    assert designation is not None and designation.lead_organisation == world.cremona
    assert build_register(world.cremasco).designation is None
