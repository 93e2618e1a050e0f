"""The demo services catalogue and assistance packages of the Ambito Cremonese.

Services come from the seeds' vocabulary (DOMAIN.md "Services catalogue"; seed 001:134-148 for
what comuni, CPI and the training vouchers provide); unit costs are plausible figures for
Lombardy, not tariffs of any real body. The CPI's own services cost nothing to the ambito, as
seed 001 says each administration uses its internal resources. The packages follow the routing
of seed 002:14: without a work path, therapeutic paths, parenting support, work-life balance and
public-utility projects; with low employability, training, job search and internships.
Everything goes through the catalogue services, so the demo obeys the same rules as users.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from intreccio.accounts.models import Operator, Organisation
from intreccio.catalogue.models import (
    AssistancePackage,
    CareLoad,
    Employability,
    Intensity,
    QuantityBasis,
    Service,
    ServiceArea,
    ServiceUnit,
)
from intreccio.catalogue.services import (
    PackageData,
    ServiceData,
    package_approve,
    package_create,
    package_item_add,
    service_create,
)
from intreccio.territory.models import Ambito

APPROVED_BY = "Cabina di regia della Rete per l'inclusione attiva"
APPROVED_ON = datetime.date(2026, 2, 16)
# The operator who keeps the catalogue in the demo network (Ufficio di Piano).
ACTOR = "programmazione"

COMUNE = "Comune di Cremona"
AZIENDA = "Azienda Sociale del Cremonese"
ASST = "ASST di Cremona"
CPI = "Centro per l'Impiego di Cremona"
CRFORMA = "Cr.Forma"
COOP = "Cooperativa sociale La Trama"


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    name: str
    area: ServiceArea
    unit: ServiceUnit
    unit_cost: str
    providers: tuple[str, ...]
    description: str = ""
    is_work_path: bool = False
    is_economic_assistance: bool = False


@dataclass(frozen=True)
class ItemSpec:
    service: str  # ServiceSpec.code
    quantity: str
    basis: QuantityBasis
    mandatory: bool = True


@dataclass(frozen=True)
class PackageSpec:
    code: str
    name: str
    employability: Employability
    care_load: CareLoad
    intensity: Intensity
    budget_min: str
    budget_max: str
    items: tuple[ItemSpec, ...]
    notes: str = ""


A, W, H = ServiceArea, ServiceUnit, QuantityBasis

SERVICES: tuple[ServiceSpec, ...] = (
    # Poverty and inclusion
    ServiceSpec("AEC", "Assistenza economica", A.POVERTY, W.MONTH, "300", (COMUNE,),
                "Contributo mensile; escluso per i nuclei già beneficiari di una misura nazionale (seed 001:139).",
                is_economic_assistance=True),
    ServiceSpec("COUNS", "Counseling per l'empowerment", A.POVERTY, W.HOUR, "38", (COMUNE, AZIENDA)),
    ServiceSpec("PUC", "Progetti utili alla collettività (PUC)", A.POVERTY, W.MONTH, "120", (COMUNE,),
                "Copertura assicurativa, sicurezza e tutoraggio del progetto."),
    ServiceSpec("BAL", "Buoni alimentari", A.POVERTY, W.VOUCHER, "50", (COMUNE,)),
    ServiceSpec("ENER", "Fondo energia (bollette)", A.POVERTY, W.LUMP_SUM, "400", (COMUNE,)),
    # Work
    ServiceSpec("COLL", "Colloquio di valutazione delle competenze", A.WORK, W.HOUR, "0", (CPI,),
                "Servizio del CPI con risorse interne.", is_work_path=True),
    ServiceSpec("PDS", "Patto di servizio e profilazione di occupabilità", A.WORK, W.LUMP_SUM, "0", (CPI,),
                "D.lgs 150/2015; servizio del CPI con risorse interne.", is_work_path=True),
    ServiceSpec("ORI", "Orientamento alla ricerca attiva del lavoro", A.WORK, W.HOUR, "35", (CPI, COOP),
                is_work_path=True),
    ServiceSpec("TIR", "Tirocinio di inclusione (indennità)", A.WORK, W.MONTH, "500", (COOP,),
                "Indennità mensile minima regionale; tutoraggio compreso.", is_work_path=True),
    ServiceSpec("VFORM", "Voucher formativo", A.WORK, W.VOUCHER, "1500", (CRFORMA,),
                "Corsi di qualificazione presso agenzie accreditate.", is_work_path=True),
    ServiceSpec("SIL", "Servizio inserimento lavorativo (SIL)", A.WORK, W.HOUR, "32", (AZIENDA, COOP),
                is_work_path=True),
    ServiceSpec("CMIR", "Collocamento mirato (L. 68/1999)", A.WORK, W.LUMP_SUM, "0", (CPI,), is_work_path=True),
    # Housing
    ServiceSpec("AFF", "Contributo affitto (morosità incolpevole)", A.HOUSING, W.LUMP_SUM, "1500", (COMUNE,)),
    # Disability and elderly
    ServiceSpec("CSE", "Centro socio-educativo (CSE)", A.DISABILITY, W.DAY, "48", (AZIENDA,)),
    ServiceSpec("SAD", "Assistenza domiciliare (SAD)", A.ELDERLY, W.HOUR, "22.50", (COMUNE, COOP)),
    ServiceSpec("VCARE", "Voucher caregiver familiare", A.ELDERLY, W.VOUCHER, "300", (AZIENDA,)),
    # Minors and family
    ServiceSpec("ADM", "Assistenza domiciliare minori (ADM)", A.MINORS_FAMILY, W.HOUR, "24.80", (COOP,),
                "Educativa domiciliare."),
    ServiceSpec("GEN", "Sostegno alla genitorialità", A.MINORS_FAMILY, W.HOUR, "40", (ASST, AZIENDA),
                "Consultorio familiare e servizio tutela minori."),
    ServiceSpec("CONC", "Voucher conciliazione famiglia-lavoro", A.MINORS_FAMILY, W.VOUCHER, "150", (AZIENDA,),
                "Centri estivi, pre e post scuola."),
    ServiceSpec("SPN", "Spazio neutro", A.MINORS_FAMILY, W.HOUR, "45", (AZIENDA,)),
    # Young people, violence, migrants
    ServiceSpec("NEET", "Accompagnamento giovani NEET", A.YOUNG, W.HOUR, "35", (CPI, COOP), is_work_path=True),
    ServiceSpec("CAV", "Percorso di accompagnamento del centro antiviolenza", A.VIOLENCE, W.HOUR, "40", (AZIENDA,)),
    ServiceSpec("MED", "Mediazione linguistico-culturale su chiamata", A.MIGRANTS, W.HOUR, "30", (COOP,)),
    ServiceSpec("L2", "Corso di italiano L2", A.MIGRANTS, W.LUMP_SUM, "250", (CRFORMA,)),
    # Mental health and addiction
    ServiceSpec("PSI", "Sostegno psicologico", A.MENTAL_HEALTH_ADDICTION, W.HOUR, "50", (ASST,)),
    ServiceSpec("SERD", "Raccordo con CPS e SerD (case management di comunità)", A.MENTAL_HEALTH_ADDICTION,
                W.HOUR, "40", (ASST,)),
)  # fmt: skip

PACKAGES: tuple[PackageSpec, ...] = (
    PackageSpec(
        "PA-01", "Bassa occupabilità, alto carico di cura", Employability.LOW, CareLoad.HIGH, Intensity.HIGH,
        "4500", "9500",
        (
            ItemSpec("PDS", "1", H.TOTAL),
            ItemSpec("ORI", "10", H.TOTAL),
            ItemSpec("SAD", "6", H.PER_MONTH),
            ItemSpec("ADM", "8", H.PER_MONTH),
            ItemSpec("CONC", "4", H.TOTAL),
            ItemSpec("TIR", "6", H.TOTAL, mandatory=False),
            ItemSpec("VFORM", "1", H.TOTAL, mandatory=False),
        ),
        "Prima si alleggerisce il carico di cura, poi si avvia il percorso verso il lavoro.",
    ),
    PackageSpec(
        "PA-02", "Bassa occupabilità, basso carico di cura", Employability.LOW, CareLoad.LOW, Intensity.MEDIUM,
        "3000", "6500",
        (
            ItemSpec("PDS", "1", H.TOTAL),
            ItemSpec("COLL", "2", H.TOTAL),
            ItemSpec("SIL", "4", H.PER_MONTH),
            ItemSpec("TIR", "6", H.TOTAL),
            ItemSpec("VFORM", "1", H.TOTAL, mandatory=False),
            ItemSpec("MED", "6", H.TOTAL, mandatory=False),
        ),
    ),
    PackageSpec(
        "PA-03", "Media occupabilità, basso carico di cura", Employability.MEDIUM, CareLoad.LOW, Intensity.MEDIUM,
        "2500", "5500",
        (
            ItemSpec("PDS", "1", H.TOTAL),
            ItemSpec("ORI", "20", H.TOTAL),
            ItemSpec("TIR", "6", H.TOTAL),
            ItemSpec("VFORM", "1", H.TOTAL, mandatory=False),
            ItemSpec("COUNS", "6", H.TOTAL, mandatory=False),
        ),
    ),
    PackageSpec(
        "PA-04", "Occupabilità alta: attivazione rapida", Employability.HIGH, CareLoad.ANY, Intensity.LOW,
        "300", "2000",
        (
            ItemSpec("PDS", "1", H.TOTAL),
            ItemSpec("ORI", "12", H.TOTAL),
            ItemSpec("VFORM", "1", H.TOTAL, mandatory=False),
        ),
    ),
    PackageSpec(
        "PA-05", "Nessun percorso lavorativo: percorso terapeutico", Employability.NONE, CareLoad.ANY, Intensity.HIGH,
        "3000", "7000",
        (
            ItemSpec("SERD", "4", H.PER_MONTH),
            ItemSpec("PSI", "2", H.PER_MONTH),
            ItemSpec("GEN", "2", H.PER_MONTH, mandatory=False),
            ItemSpec("PUC", "6", H.TOTAL, mandatory=False),
            ItemSpec("AEC", "6", H.TOTAL, mandatory=False),
        ),
        "Seed 002:14: in assenza di un percorso lavorativo, priorità ai percorsi terapeutici e ai PUC.",
    ),
    PackageSpec(
        "PA-06", "Nessun percorso lavorativo, alto carico di cura: sostegno alla famiglia", Employability.NONE,
        CareLoad.HIGH, Intensity.HIGH, "4000", "9000",
        (
            ItemSpec("ADM", "10", H.PER_MONTH),
            ItemSpec("GEN", "2", H.PER_MONTH),
            ItemSpec("CONC", "4", H.TOTAL),
            ItemSpec("SAD", "4", H.PER_MONTH, mandatory=False),
            ItemSpec("AEC", "6", H.TOTAL, mandatory=False),
        ),
        "Sostegno alla genitorialità e conciliazione famiglia-lavoro (seed 002:14).",
    ),
)  # fmt: skip


def _services_ensure(ambito: Ambito, actor: Operator, created: Counter[str]) -> dict[str, Service]:
    organisations = {org.name: org for org in Organisation.objects.filter(ambito=ambito, is_active=True)}
    existing = {service.code: service for service in Service.objects.filter(ambito=ambito)}
    for spec in SERVICES:
        if spec.code in existing:
            continue
        existing[spec.code] = service_create(
            actor=actor,
            ambito=ambito,
            data=ServiceData(
                code=spec.code,
                name=spec.name,
                area=spec.area,
                unit=spec.unit,
                unit_cost=Decimal(spec.unit_cost),
                description=spec.description,
                is_work_path=spec.is_work_path,
                is_economic_assistance=spec.is_economic_assistance,
                # A network without one of these organisations still gets the service.
                providers=[organisations[name] for name in spec.providers if name in organisations],
            ),
        )
        created["catalogue_services"] += 1
    return existing


def _packages_ensure(ambito: Ambito, actor: Operator, services: dict[str, Service], created: Counter[str]) -> None:
    existing = set(AssistancePackage.objects.filter(ambito=ambito).values_list("code", flat=True))
    # Approved on a fixed day, unless the clock says that day has not come yet.
    approved_on = min(APPROVED_ON, timezone.localdate())
    for spec in PACKAGES:
        if spec.code in existing:
            continue
        package = package_create(
            actor=actor,
            ambito=ambito,
            code=spec.code,
            data=PackageData(
                name=spec.name,
                employability=spec.employability,
                care_load=spec.care_load,
                intensity=spec.intensity,
                budget_min=Decimal(spec.budget_min),
                budget_max=Decimal(spec.budget_max),
                notes=spec.notes,
            ),
        )
        for item in spec.items:
            package_item_add(
                actor=actor,
                package=package,
                service=services[item.service],
                quantity=Decimal(item.quantity),
                basis=item.basis,
                is_mandatory=item.mandatory,
            )
            created["package_items"] += 1
        package_approve(actor=actor, package=package, approved_by=APPROVED_BY, approved_on=approved_on)
        created["assistance_packages"] += 1


@transaction.atomic
def demo_catalogue_load(*, ambito: Ambito, operators: dict[str, Operator]) -> Counter[str]:
    """Create the demo catalogue and approved packages; running it again creates nothing."""
    actor = operators[ACTOR]
    created: Counter[str] = Counter()
    services = _services_ensure(ambito, actor, created)
    _packages_ensure(ambito, actor, services, created)
    return created
