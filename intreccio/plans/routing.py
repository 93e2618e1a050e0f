"""Routing suggestions for a personalised project (seed 002:14), as code: pure functions, no queries.

"In the absence of the conditions for a work path, the ambiti give priority to therapeutic
paths, parenting support, work-life balance and public-utility work; and, if the employability
profile is low, to training, active job search and internships." Medium and high employability
go to job search, internships and the CPI's services. The operator still chooses the services
from the catalogue: these are suggestions with their reason, never a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from intreccio.catalogue.models import CareLoad, Employability, Service, ServiceArea

# The employability class of the CPI's profiling (D.lgs 150/2015) on the catalogue's axis.
CLASS_EMPLOYABILITY = {
    "A": Employability.HIGH,
    "B": Employability.MEDIUM,
    "C": Employability.LOW,
    "D": Employability.NONE,
}
# From this in-depth need level on, the care load counts as high (levels run 0-4).
HIGH_CARE_LEVEL = 2


class Route(StrEnum):
    NO_WORK_PATH = "no_work_path"
    LOW = "low"
    WORK = "work"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PathSuggestion:
    key: str
    label: str
    areas: frozenset[str]
    work_path: bool
    code_hint: str = ""  # a catalogue code that names the path exactly (PUC), when there is one

    def fits(self, service: Service) -> bool:
        if self.code_hint and service.code.upper() == self.code_hint:
            return True
        return service.is_work_path == self.work_path and service.area in self.areas


@dataclass(frozen=True)
class Routing:
    route: Route
    reason: str
    suggestions: tuple[PathSuggestion, ...]

    def suggested(self, service: Service) -> list[PathSuggestion]:
        return [s for s in self.suggestions if s.fits(service)]

    @property
    def excludes_work_path(self) -> bool:
        return self.route == Route.NO_WORK_PATH


@dataclass(frozen=True)
class RoutingProfile:
    """What routing needs from the assessments: the class and the preliminary path."""

    employability_class: str = ""
    path: str = ""


WORK_AREAS = frozenset({ServiceArea.WORK, ServiceArea.YOUNG})


def _no_work_path() -> tuple[PathSuggestion, ...]:
    return (
        PathSuggestion("therapeutic", _("Therapeutic paths"), frozenset({ServiceArea.MENTAL_HEALTH_ADDICTION}), False),
        PathSuggestion("parenting", _("Parenting support"), frozenset({ServiceArea.MINORS_FAMILY}), False),
        PathSuggestion(
            "work_life",
            _("Work-life balance"),
            frozenset({ServiceArea.MINORS_FAMILY, ServiceArea.ELDERLY}),
            False,
        ),
        PathSuggestion("puc", _("Public-utility projects (PUC)"), frozenset(), False, code_hint="PUC"),
    )


def _low() -> tuple[PathSuggestion, ...]:
    return (
        PathSuggestion("training", _("Training and qualification"), frozenset({ServiceArea.WORK}), True),
        PathSuggestion("job_search", _("Support to active job search"), WORK_AREAS, True),
        PathSuggestion("internship", _("Internships towards work"), frozenset({ServiceArea.WORK}), True),
    )


def _work() -> tuple[PathSuggestion, ...]:
    return (
        PathSuggestion("job_search", _("Active job search"), WORK_AREAS, True),
        PathSuggestion("internship", _("Internships"), frozenset({ServiceArea.WORK}), True),
        PathSuggestion("cpi", _("Services of the employment centre (CPI)"), frozenset({ServiceArea.WORK}), True),
    )


def suggest_paths(profile: RoutingProfile | None) -> Routing:
    """The paths seed 002:14 points to for ``profile``, with the reason in the operator's words."""
    klass = profile.employability_class if profile else ""
    path = profile.path if profile else ""
    if klass == "D":
        return Routing(
            Route.NO_WORK_PATH,
            _("The employability profile is D: there is no work path for now (seed 002:14)."),
            _no_work_path(),
        )
    if not klass and path == "social":
        return Routing(
            Route.NO_WORK_PATH,
            _("The preliminary analysis points to a social path without work for now (seed 002:14)."),
            _no_work_path(),
        )
    if klass == "C":
        return Routing(
            Route.LOW,
            _("Low employability (class C): training, active job search and internships (seed 002:14)."),
            _low(),
        )
    if klass in {"A", "B"}:
        return Routing(
            Route.WORK,
            _("Employability class %(klass)s: job search, internships and the CPI's services.") % {"klass": klass},
            _work(),
        )
    return Routing(
        Route.UNKNOWN,
        _("No employability profile yet: ask the CPI operator for the skills interview before choosing a path."),
        (),
    )


def employability_of(employability_class: str) -> str | None:
    return CLASS_EMPLOYABILITY.get(employability_class)


def care_load_of(levels: dict[str, int]) -> str:
    return CareLoad.HIGH if levels.get("care_load", 0) >= HIGH_CARE_LEVEL else CareLoad.LOW
