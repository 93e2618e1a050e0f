"""R12: sensitive fields are sealed with AES-256-GCM in the database, under keys kept outside it.

The crypto primitives, the keyring configuration (environment, key file, production start-up),
and ``EncryptedTextField``/``EncryptedJSONField`` on real models: what the column holds, what the
model reads, what a query may ask of such a column, and which fields are encrypted at all.
"""

from __future__ import annotations

import base64
import datetime
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import FieldError, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Value
from django.db.models.functions import Cast
from django.test import override_settings
from django.utils import translation
from django.views.debug import SafeExceptionReporterFilter

from intreccio.access.models import Channel, Intake, Need, PreAssessment, PreAssessmentForm, Source
from intreccio.accounts.tests.factories import OperatorFactory, StructureFactory
from intreccio.cases.models import CaseNote
from intreccio.core import crypto
from intreccio.core.fields import EncryptedTextField, encrypted_fields
from intreccio.core.privacy import Category, intreccio_models
from intreccio.people.models import Person
from intreccio.people.tests.factories import PersonFactory

BASE_DIR = Path(settings.BASE_DIR)
NEW_ENTRY = "k2:" + base64.b64encode(bytes(range(32))).decode()
DEV_ONLY = [crypto.DEV_KEY_ENTRY]


def stored(model: type[models.Model], pk: Any, field_name: str) -> str:
    """The column as the database holds it, read around the field's decryption."""
    rows = model._base_manager.annotate(raw=Cast(field_name, output_field=models.TextField()))
    return str(rows.values_list("raw", flat=True).get(pk=pk))


def write_stored(model: type[models.Model], pk: Any, field_name: str, value: str) -> None:
    """Write a column as raw SQL would (around the field's encryption)."""
    model._base_manager.filter(pk=pk).update(**{field_name: Value(value, output_field=models.TextField())})


# --- the primitives -----------------------------------------------------------------------------


def test_a_value_round_trips_and_the_stored_form_names_the_key() -> None:
    for text in ("via Roma 1, Cremona", "è già l'ora – 🙂", "x" * 5000):
        token = crypto.encrypt(text, context="people.person.phone")
        assert token.startswith("enc1:dev:") and text not in token
        assert crypto.decrypt(token, context="people.person.phone") == text
    assert crypto.encrypt("", context="people.person.phone") == ""
    assert crypto.decrypt("", context="people.person.phone") == ""


def test_the_same_value_is_sealed_differently_each_time() -> None:
    tokens = {crypto.encrypt("333 1234567", context="people.person.phone") for _ in range(20)}
    assert len(tokens) == 20


@pytest.mark.parametrize(
    ("token", "context", "reason"),
    [
        ("TAMPER", "people.person.phone", "authentication failed"),
        ("OK", "people.person.residence_address", "authentication failed"),  # another column
        ("enc1:gone:AAAA", "people.person.phone", "not in the keyring"),
        ("333 1234567", "people.person.phone", "not encrypted"),
        ("enc1:dev", "people.person.phone", "malformed"),
        ("enc1:dev:AAAA", "people.person.phone", "truncated"),
    ],
)
def test_a_value_that_does_not_open_says_why_without_showing_it(token: str, context: str, reason: str) -> None:
    good = crypto.encrypt("333 1234567", context="people.person.phone")
    if token == "OK":
        token = good
    elif token == "TAMPER":
        body = good.rsplit(":", 1)[1]
        token = good[: -len(body)] + body[:20] + ("A" if body[20] != "A" else "B") + body[21:]
    with pytest.raises(crypto.DecryptionError) as raised:
        crypto.decrypt(token, context=context)
    assert reason in str(raised.value)
    assert "333 1234567" not in str(raised.value)


def test_old_keys_open_values_and_only_the_first_seals() -> None:
    old = crypto.encrypt("vecchio", context="a.b.c")
    ring = crypto.parse_keyring([NEW_ENTRY, crypto.DEV_KEY_ENTRY])
    new = crypto.encrypt("nuovo", context="a.b.c", keyring=ring)
    assert crypto.token_key_id(new) == "k2" and crypto.token_key_id(old) == "dev"
    assert crypto.decrypt(old, context="a.b.c", keyring=ring) == "vecchio"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(new, context="a.b.c", keyring=crypto.parse_keyring(DEV_ONLY))


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([], "no field encryption key"),
        (["nokeyid"], "<key id>:<base64 key>"),
        (["bad id:" + crypto.DEV_KEY], "<key id>:<base64 key>"),
        (["k1:not base64!"], "not valid base64"),
        (["k1:" + base64.b64encode(b"short").decode()], "must be 32 bytes"),
        ([NEW_ENTRY, NEW_ENTRY.replace("k2", "K2")], "appears twice"),
    ],
)
def test_a_malformed_keyring_is_refused(entries: list[str], message: str) -> None:
    with pytest.raises(crypto.KeyringError, match=re.escape(message)):
        crypto.parse_keyring(entries)


def test_no_key_material_in_a_repr_an_error_page_or_a_message() -> None:
    ring = crypto.parse_keyring([NEW_ENTRY, crypto.DEV_KEY_ENTRY])
    secret_part = NEW_ENTRY.split(":", 1)[1]
    assert secret_part not in repr(ring) and "k2" in repr(ring)
    safe = SafeExceptionReporterFilter().get_safe_settings()
    assert crypto.DEV_KEY not in str(safe["FIELD_ENCRYPTION_KEYS"])
    with pytest.raises(crypto.KeyringError) as raised:
        crypto.parse_keyring(["k1:" + base64.b64encode(b"short").decode()])
    assert base64.b64encode(b"short").decode() not in str(raised.value)


def test_a_new_key_entry_is_32_random_bytes() -> None:
    first, second = crypto.generate_key_entry("k3"), crypto.generate_key_entry("k3")
    assert first != second and first.startswith("k3:")
    assert crypto.parse_keyring([first]).active_id == "k3"


# --- configuration --------------------------------------------------------------------------------


def test_development_falls_back_to_the_public_dev_key() -> None:
    assert crypto.field_keys_from_environment({}, production=False) == [crypto.DEV_KEY_ENTRY]


def test_production_refuses_to_start_without_keys_or_with_the_dev_key() -> None:
    with pytest.raises(RuntimeError, match="INTRECCIO_FIELD_KEYS"):
        crypto.field_keys_from_environment({}, production=True)
    with pytest.raises(RuntimeError, match="public"):
        crypto.field_keys_from_environment({"INTRECCIO_FIELD_KEYS": crypto.DEV_KEY_ENTRY}, production=True)
    with pytest.raises(RuntimeError, match="32 bytes"):
        crypto.field_keys_from_environment({"INTRECCIO_FIELD_KEYS": "k1:c2hvcnQ="}, production=True)
    old = crypto.generate_key_entry("k1")
    keys = f"{NEW_ENTRY}, {old}"
    assert crypto.field_keys_from_environment({"INTRECCIO_FIELD_KEYS": keys}, production=True) == [NEW_ENTRY, old]


def test_the_keys_can_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "field-keys"
    key_file.write_text(f"# rotated 2026-11\n{NEW_ENTRY}\n\n{crypto.generate_key_entry('k1')}\n", encoding="utf-8")
    entries = crypto.field_keys_from_environment({"INTRECCIO_FIELD_KEYS_FILE": str(key_file)}, production=True)
    assert [e.split(":")[0] for e in entries] == ["k2", "k1"]
    with pytest.raises(RuntimeError, match="cannot be read"):
        crypto.field_keys_from_environment({"INTRECCIO_FIELD_KEYS_FILE": str(tmp_path / "nope")}, production=True)
    with pytest.raises(RuntimeError, match="not both"):
        crypto.field_keys_from_environment(
            {"INTRECCIO_FIELD_KEYS_FILE": str(key_file), "INTRECCIO_FIELD_KEYS": NEW_ENTRY}, production=True
        )


def _start_production(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("INTRECCIO_", "DJANGO_", "DATABASE_URL", "AUDIT_", "SECRET_KEY"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        INTRECCIO_ENV="production",
        SECRET_KEY="s" * 60,
        AUDIT_CHAIN_KEY="a" * 40,
        ALLOWED_HOSTS="intreccio.example.org",
        DATABASE_URL="sqlite:///:memory:",
        **extra,
    )
    code = "import django; django.setup(); from django.conf import settings; print(len(settings.FIELD_ENCRYPTION_KEYS))"
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_production_start_up_fails_without_field_keys() -> None:
    refused = _start_production()
    assert refused.returncode != 0
    assert "RuntimeError" in refused.stderr and "INTRECCIO_FIELD_KEYS" in refused.stderr
    started = _start_production(INTRECCIO_FIELD_KEYS=NEW_ENTRY)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "1"


# --- the fields on real models ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_column_holds_ciphertext_and_the_model_reads_plain_text() -> None:
    person = PersonFactory.create(phone="333 7654321", residence_address="via Dante 4", domicile_address="")
    for name, plain in (("phone", "333 7654321"), ("residence_address", "via Dante 4")):
        raw = stored(Person, person.pk, name)
        assert raw.startswith("enc1:dev:") and plain not in raw
    assert stored(Person, person.pk, "domicile_address") == ""
    again = Person.objects.get(pk=person.pk)
    assert (again.phone, again.residence_address, again.domicile_address) == ("333 7654321", "via Dante 4", "")
    assert Person.objects.values_list("phone", flat=True).get(pk=person.pk) == "333 7654321"
    # update() and bulk_update() seal too: every way of writing goes through the field.
    Person.objects.filter(pk=person.pk).update(phone="0372 111")
    assert stored(Person, person.pk, "phone").startswith("enc1:")
    again.residence_address = "via Verdi 9"
    Person.objects.bulk_update([again], ["residence_address"])
    assert stored(Person, person.pk, "residence_address").startswith("enc1:")
    assert Person.objects.get(pk=person.pk).residence_address == "via Verdi 9"


@pytest.mark.django_db
def test_a_value_copied_into_another_column_does_not_open() -> None:
    person = PersonFactory.create(phone="333 7654321", residence_address="via Dante 4")
    write_stored(Person, person.pk, "residence_address", stored(Person, person.pk, "phone"))
    with pytest.raises(crypto.DecryptionError, match=r"people\.person\.residence_address"):
        Person.objects.get(pk=person.pk)


@pytest.mark.django_db
def test_only_empty_and_null_can_be_asked_of_an_encrypted_column() -> None:
    with_phone = PersonFactory.create(phone="333 7654321")
    without = PersonFactory.create(phone="")
    assert list(Person.objects.filter(phone="")) == [without]
    assert list(Person.objects.exclude(phone="")) == [with_phone]
    assert Person.objects.filter(phone__isnull=False).count() == 2
    for condition in (
        {"phone": "333 7654321"},
        {"phone__icontains": "333"},
        {"phone__startswith": "333"},
        {"phone__in": ["333 7654321"]},
        {"phone__lower": "333"},
    ):
        with pytest.raises(FieldError):
            list(Person.objects.filter(**condition))


@pytest.mark.django_db
def test_check_constraints_on_blank_values_still_hold() -> None:
    structure = StructureFactory.create()
    values: dict[str, Any] = {
        "ambito": structure.organisation.ambito,
        "structure": structure,
        "recorded_by": OperatorFactory.create(),
        "received_on": datetime.date(2026, 3, 2),
        "channel": Channel.PHONE,
        "source": Source.HOSPITAL,
        "prevalent_need": Need.HEALTH,
    }
    # Someone the intake is about: a person or a description (intake_person_or_description).
    with pytest.raises(IntegrityError), transaction.atomic():
        Intake.objects.create(**values, unidentified_description="")
    intake = Intake.objects.create(**values, unidentified_description="donna sui 40 anni, dal pronto soccorso")
    assert stored(Intake, intake.pk, "unidentified_description").startswith("enc1:")
    assert str(Intake.objects.get(pk=intake.pk)).endswith("donna sui 40 anni, dal pronto soccorso")


@pytest.mark.django_db
def test_questionnaire_answers_are_sealed_whole_and_read_back_as_json() -> None:
    structure = StructureFactory.create()
    operator = OperatorFactory.create()
    intake = Intake.objects.create(
        ambito=structure.organisation.ambito,
        structure=structure,
        recorded_by=operator,
        received_on=datetime.date(2026, 3, 2),
        channel=Channel.IN_PERSON,
        source=Source.SELF,
        prevalent_need=Need.HEALTH,
        unidentified_description="uomo senza dimora",
    )
    answers = {"health_notes": "terapia al CPS, ricovero a marzo", "household_size": 3, "needs": ["casa", "lavoro"]}
    form = PreAssessmentForm.objects.filter(is_published=True).first()
    assert form is not None
    pre = PreAssessment.objects.create(intake=intake, form=form, answers=answers, completed_by=operator)
    raw = stored(PreAssessment, pre.pk, "answers")
    assert raw.startswith("enc1:") and "terapia" not in raw and "household_size" not in raw
    assert PreAssessment.objects.get(pk=pre.pk).answers == answers


@pytest.mark.django_db
def test_a_value_under_an_old_key_opens_new_writes_use_the_first_key() -> None:
    person = PersonFactory.create(phone="333 7654321")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_ENTRY, crypto.DEV_KEY_ENTRY]):
        assert Person.objects.get(pk=person.pk).phone == "333 7654321"
        Person.objects.filter(pk=person.pk).update(residence_address="via Po 2")
        assert stored(Person, person.pk, "residence_address").startswith("enc1:k2:")
        assert stored(Person, person.pk, "phone").startswith("enc1:dev:")
    # Without the key a value was sealed with, the read fails: never a silent blank.
    with pytest.raises(crypto.DecryptionError, match="not in the keyring"):
        Person.objects.get(pk=person.pk)


def test_forms_keep_the_former_limits_and_widgets() -> None:
    phone = Person._meta.get_field("phone").formfield()
    assert isinstance(phone, forms.CharField) and phone.max_length == 40
    assert isinstance(phone.widget, forms.TextInput) and not isinstance(phone.widget, forms.Textarea)
    text = CaseNote._meta.get_field("text").formfield()
    assert isinstance(text.widget, forms.Textarea)


def test_model_validation_keeps_the_former_limit_on_the_plain_text() -> None:
    field = Person._meta.get_field("phone")
    field.clean("3" * 40, None)
    with pytest.raises(ValidationError):
        field.clean("3" * 41, None)


def test_the_field_deconstructs_stably() -> None:
    name, path, args, kwargs = Person._meta.get_field("phone").deconstruct()
    assert (name, path, args) == ("phone", "intreccio.core.fields.EncryptedTextField", [])
    with translation.override("en"):
        assert {**kwargs, "verbose_name": str(kwargs["verbose_name"])} == {
            "blank": True,
            "max_length": 40,
            "verbose_name": "phone",
        }
    rebuilt = EncryptedTextField(*args, **kwargs)
    assert rebuilt.deconstruct()[1:] == (path, args, kwargs)


# --- which fields are encrypted ---------------------------------------------------------------------

# What R12 asks to encrypt, as decided for this code base: the narratives of the sensitive
# sections, the victims' address and phone (for everyone: a victim is not flagged at the front
# door), and the questionnaire answers, which carry free-text health notes.
ENCRYPTED = {
    "access.Intake.unidentified_description",
    "access.Intake.source_detail",
    "access.Intake.notes",
    "access.Intake.outcome_note",
    "access.PreAssessment.answers",
    "assessments.Assessment.answers",
    "blackout.Blackout.lift_reason",
    "blackout.Blackout.request_reference",
    "breakglass.BreakGlassGrant.reason_text",
    "breakglass.BreakGlassGrant.review_note",
    "cases.Case.closure_reason",
    "cases.CaseNote.text",
    "meetings.Decision.text",
    "meetings.Meeting.agenda",
    "meetings.Meeting.minutes",
    "people.Household.address",
    "people.Person.domicile_address",
    "people.Person.phone",
    "people.Person.residence_address",
    "plans.CheckIn.outcome",
    "plans.CheckIn.percent_reason",
    "plans.Commitment.text",
    "plans.Deviation.description",
    "plans.Deviation.reason",
    "plans.Goal.indicator",
    "plans.Goal.target",
    "plans.Goal.text",
    "plans.Plan.summary",
    "plans.Validation.note",
    "referrals.Referral.answer_note",
    "referrals.Referral.closing_note",
    "referrals.Referral.override_reason",
    "referrals.Referral.reason",
    "retention.LegalHold.lift_reason",
    "retention.LegalHold.reason",
    # Classified identifying, sealed by decision: what a person asks to correct is their data as it
    # should be (a victim's new address, say), and the notes of a request may say anything.
    "rights.DataSubjectRequest.extension_reason",
    "rights.DataSubjectRequest.outcome_note",
    "rights.DataSubjectRequest.rectification_done",
    "rights.DataSubjectRequest.rectification_requested",
}
# Sensitive by classification, kept in clear on purpose: codes and register references, not narratives.
CLEAR_BY_DECISION = {
    "assessments.Assessment.profile": "a profile code computed by the rules",
    "assessments.Assessment.scores": "numbers per dimension, computed from the sealed answers",
    "assessments.Assessment.profile_trace": "the rule codes behind the profile",
    "meetings.MediatorBooking.language": "a two-letter language code checked by a constraint",
    "people.LegalRepresentative.court": "the name of a court, printed on the pact",
    "people.LegalRepresentative.decree_number": "a register number of the court",
    "plans.Pact.representative_name": "the representative's name, printed on the pact",
    "plans.Pact.representative_capacity": "amministratore di sostegno, tutore or curatore",
    "referrals.Referral.shared_sections": "section codes from a fixed list, checked by the service",
}
# The apps whose free text was reviewed for R12; an app added later joins the list when reviewed.
REVIEWED_APPS = {
    "access",
    "assessments",
    "blackout",
    "breakglass",
    "cases",
    "meetings",
    "people",
    "plans",
    "referrals",
    "retention",
    "rights",
}
SENSITIVE = {Category.SPECIAL, Category.VIOLENCE, Category.JUDICIAL, Category.MINOR}


def test_the_encrypted_fields_are_the_ones_decided() -> None:
    found = {f"{model._meta.label}.{field.name}" for model, field in encrypted_fields()}
    assert found >= ENCRYPTED, f"no longer encrypted: {sorted(ENCRYPTED - found)}"
    assert all(getattr(field, "encrypted", False) for _model, field in encrypted_fields())


def test_no_sensitive_free_text_of_a_reviewed_app_is_stored_in_clear() -> None:
    in_clear = []
    for model in intreccio_models():
        if model._meta.app_label not in REVIEWED_APPS:
            continue
        for field in model._meta.concrete_fields:
            label = f"{model._meta.label}.{field.name}"
            classification = getattr(model, "privacy", {}).get(field.name)
            free = isinstance(field, models.CharField | models.TextField | models.JSONField) and not field.choices
            if classification is None or classification.category not in SENSITIVE or not free:
                continue
            if not getattr(field, "encrypted", False) and label not in CLEAR_BY_DECISION:
                in_clear.append(label)
    assert not in_clear, f"Sensitive free text stored in clear (use EncryptedTextField): {in_clear}"
