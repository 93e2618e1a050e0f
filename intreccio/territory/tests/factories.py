"""factory_boy factories for territory rows that tests build without the full ISTAT list."""

from __future__ import annotations

import factory

from intreccio.accounts.tests.factories import AmbitoFactory
from intreccio.territory.models import Comune, SubAmbito


class SubAmbitoFactory(factory.django.DjangoModelFactory[SubAmbito]):
    class Meta:
        model = SubAmbito

    ambito = factory.SubFactory(AmbitoFactory)
    name = factory.Sequence(lambda n: f"Zona {n}")


class ComuneFactory(factory.django.DjangoModelFactory[Comune]):
    class Meta:
        model = Comune

    # No comune has an ISTAT code 999xxx or a Belfiore code starting with Z (Z is for foreign
    # states), so test rows never collide with the loaded ISTAT list. Tests that spell out codes use
    # 998xxx and Y, which the sequences never reach.
    istat_code = factory.Sequence(lambda n: f"999{n % 1000:03d}")
    belfiore_code = factory.Sequence(lambda n: f"Z{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Comune di prova {n}")
    province_code = "ZZ"
    province_name = "Provincia di prova"
    region_name = "Lombardia"
