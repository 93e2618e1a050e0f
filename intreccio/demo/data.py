"""The demo network of the Ambito territoriale Cremonese, as data.

The organisations are the signatories of the Cremona protocol for active inclusion (seed 000),
plus one cooperative standing for the member cooperatives that deliver services. Structures
and operators are invented for the demo: their names are plausible, not real people or offices.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from intreccio.accounts.models import OrganisationKind, Role, TeamKind

# Shared by every demo account, printed by `load_demo`: demo accounts are for trying the
# software, never for real data (their second factor may be waived, see INTRECCIO_DEMO_MFA_EXEMPT).
DEMO_PASSWORD = "intreccio-demo-2026"  # noqa: S105  # nosec B105
DEMO_EMAIL_DOMAIN = "example.org"
# Memberships start on a fixed day so that the membership's natural key is stable across runs.
MEMBERSHIPS_FROM = datetime.date(2025, 1, 1)
CREMONA_ISTAT = "019036"


@dataclass(frozen=True)
class StructureSpec:
    name: str
    comune_istat: str | None = CREMONA_ISTAT
    keeps_notes_private: bool = False


@dataclass(frozen=True)
class OrganisationSpec:
    key: str
    name: str
    short_name: str
    kind: OrganisationKind
    structures: tuple[StructureSpec, ...]


@dataclass(frozen=True)
class MembershipSpec:
    organisation: str  # OrganisationSpec.key
    structure: str
    role: Role


@dataclass(frozen=True)
class OperatorSpec:
    username: str
    first_name: str
    last_name: str
    memberships: tuple[MembershipSpec, ...]

    @property
    def email(self) -> str:
        return f"{self.username}@{DEMO_EMAIL_DOMAIN}"


@dataclass(frozen=True)
class TeamSpec:
    name: str
    kind: TeamKind
    chair: str | None  # username
    members: tuple[str, ...]  # usernames, chair included


def _structures(*names: str) -> tuple[StructureSpec, ...]:
    return tuple(StructureSpec(name) for name in names)


COMUNE = "comune-cremona"
AZIENDA = "azienda-sociale"
ASST = "asst"
PROVINCIA = "provincia"
CPI = "cpi"
COOPERATIVA = "cooperativa"

ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    OrganisationSpec(
        COMUNE,
        "Comune di Cremona",
        "Comune di Cremona",
        OrganisationKind.COMUNE,
        _structures(
            "Segretariato sociale",
            "Servizio sociale professionale",
            "Direzione Settore Politiche sociali",
            "Ufficio protezione dati",
        ),
    ),
    OrganisationSpec(
        AZIENDA,
        "Azienda Sociale del Cremonese",
        "Azienda Sociale",
        OrganisationKind.SOCIAL_AGENCY,
        _structures("Ufficio di Piano", "Servizio inclusione", "Servizio tutela minori"),
    ),
    OrganisationSpec(
        ASST,
        "ASST di Cremona",
        "ASST Cremona",
        OrganisationKind.HEALTH_TRUST,
        (
            # The addiction service's case notes stay within it.
            StructureSpec("SerD – Servizio per le dipendenze", keeps_notes_private=True),
            *_structures("Centro psico-sociale (CPS)", "Consultorio familiare"),
        ),
    ),
    OrganisationSpec(
        PROVINCIA,
        "Provincia di Cremona",
        "Provincia",
        OrganisationKind.PROVINCE,
        _structures("Settore Lavoro e Formazione"),
    ),
    # The CPI is run by the Province; it is its own organisation here because the permission
    # policy gives the employment centre rights of its own (work section, patto di servizio).
    OrganisationSpec(
        CPI,
        "Centro per l'Impiego di Cremona",
        "CPI Cremona",
        OrganisationKind.EMPLOYMENT_CENTRE,
        _structures("Centro per l'Impiego di Cremona", "Collocamento mirato"),
    ),
    OrganisationSpec("cgil", "CGIL", "CGIL", OrganisationKind.UNION, _structures("Sede territoriale di Cremona")),
    OrganisationSpec("cisl", "CISL", "CISL", OrganisationKind.UNION, _structures("Sede territoriale di Cremona")),
    OrganisationSpec("uil", "UIL", "UIL", OrganisationKind.UNION, _structures("Sede territoriale di Cremona")),
    OrganisationSpec(
        "confcooperative",
        "Confcooperative – Federsolidarietà",
        "Federsolidarietà",
        OrganisationKind.THIRD_SECTOR,
        _structures("Federsolidarietà Cremona"),
    ),
    OrganisationSpec("crforma", "Cr.Forma", "Cr.Forma", OrganisationKind.SCHOOL, _structures("Sede di Cremona")),
    OrganisationSpec(
        "forum",
        "Forum Provinciale Terzo Settore di Cremona",
        "Forum Terzo Settore",
        OrganisationKind.THIRD_SECTOR,
        _structures("Segreteria"),
    ),
    # Fictional: a type-B social cooperative that delivers internships and home educational support.
    OrganisationSpec(
        COOPERATIVA,
        "Cooperativa sociale La Trama",
        "La Trama",
        OrganisationKind.THIRD_SECTOR,
        _structures("Servizio inserimenti lavorativi", "Educativa domiciliare"),
    ),
)


def _m(organisation: str, structure: str, role: Role) -> MembershipSpec:
    return MembershipSpec(organisation, structure, role)


OPERATORS: tuple[OperatorSpec, ...] = (
    OperatorSpec("segretariato", "Giulia", "Ferrari", (_m(COMUNE, "Segretariato sociale", Role.SEGRETARIATO),)),
    # Two memberships, so the role switcher in the header has something to switch.
    OperatorSpec(
        "assistente",
        "Marta",
        "Bianchi",
        (
            _m(COMUNE, "Servizio sociale professionale", Role.SOCIAL_WORKER),
            _m(COMUNE, "Servizio sociale professionale", Role.CASE_MANAGER),
        ),
    ),
    OperatorSpec("casemanager", "Luca", "Bassi", (_m(AZIENDA, "Servizio inclusione", Role.CASE_MANAGER),)),
    OperatorSpec("cpi", "Paolo", "Rossi", (_m(CPI, "Centro per l'Impiego di Cremona", Role.CPI_OPERATOR),)),
    OperatorSpec("educatore", "Sara", "Galli", (_m(AZIENDA, "Servizio tutela minori", Role.EDUCATOR),)),
    OperatorSpec(
        "sanitario", "Andrea", "Conti", (_m(ASST, "SerD – Servizio per le dipendenze", Role.HEALTH_SPECIALIST),)
    ),
    OperatorSpec(
        "erogatore", "Chiara", "Fontana", (_m(COOPERATIVA, "Servizio inserimenti lavorativi", Role.PROVIDER_OPERATOR),)
    ),
    OperatorSpec(
        "coordinatore", "Elena", "Ricci", (_m(COMUNE, "Direzione Settore Politiche sociali", Role.COORDINATOR),)
    ),
    OperatorSpec("programmazione", "Davide", "Marchi", (_m(AZIENDA, "Ufficio di Piano", Role.PROGRAMME_OFFICER),)),
    OperatorSpec("auditor", "Francesca", "Lombardi", (_m(COMUNE, "Ufficio protezione dati", Role.AUDITOR),)),
    OperatorSpec("admin", "Stefano", "Moretti", (_m(AZIENDA, "Ufficio di Piano", Role.ADMINISTRATOR),)),
)

TEAMS: tuple[TeamSpec, ...] = (
    # Chaired by the head of social services (seed 001:96-111); base team social worker + CPI (002:5).
    TeamSpec(
        "Gruppo di coordinamento operativo",
        TeamKind.COORDINATION_GROUP,
        chair="coordinatore",
        members=("coordinatore", "assistente", "cpi"),
    ),
    # Referents of the network's bodies who design the personalised paths (seed 000).
    TeamSpec(
        "Équipe di sistema per l'inclusione attiva",
        TeamKind.SYSTEM_TEAM,
        chair=None,
        members=("casemanager", "assistente", "cpi", "sanitario", "educatore", "erogatore"),
    ),
)
