"""The demo designates the Comune di Cremona as controller of the Ambito Cremonese's register, once."""

from __future__ import annotations

from collections import Counter

import pytest

from intreccio.accounts.tests.factories import AmbitoFactory, OrganisationFactory
from intreccio.demo.oversight import LEAD_NAME, demo_oversight_load
from intreccio.oversight.models import ControllerDesignation
from intreccio.oversight.register import build_register
from intreccio.territory.data import ambito_cremonese

pytestmark = pytest.mark.django_db


def test_the_demo_names_the_lead_organisation_once() -> None:
    created: Counter[str] = Counter()
    demo_oversight_load(created)  # no demo ambito yet: nothing to do
    assert not ControllerDesignation.objects.exists()
    ambito = AmbitoFactory.create(code=ambito_cremonese.AMBITO_CODE)
    lead = OrganisationFactory.create(name=LEAD_NAME, ambito=ambito)
    demo_oversight_load(created)
    demo_oversight_load(created)
    assert created["controller_designations"] == 1
    designation = build_register(ambito).designation
    assert designation is not None and designation.lead_organisation == lead
