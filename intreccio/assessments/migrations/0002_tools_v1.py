"""Ship version 1 of the three assessment tools (seed 001:60-68, 002:14, 004:398).

* the preliminary analysis (analisi preliminare), short, for every case: five areas of need and
  the path it points to (work, simplified social path, in-depth assessment by the team);
* the in-depth multidimensional assessment (quadro di analisi approfondito) over the seven
  dimensions of the issue, the health dimension in the health section of the case;
* the CPI skills interview (colloquio di analisi delle competenze) with the employability
  profiling rules behind the class A-D (D.lgs 150/2015).

The schemas are written out here, not imported from the app: a data migration must keep
producing the same version 1 whatever the code becomes. Later versions are published through
``tool_publish``, never by editing these.
"""

from typing import Any

from django.db import migrations
from django.utils import timezone


def L(it: str, en: str) -> dict[str, str]:
    return {"it": it, "en": en}


def choices(*rows: tuple[str, str, str, int]) -> list[dict[str, Any]]:
    return [{"value": value, "label": L(it, en), "points": points} for value, it, en, points in rows]


LEVELS = [
    {"from": 0, "level": 0},
    {"from": 1, "level": 1},
    {"from": 3, "level": 2},
    {"from": 5, "level": 3},
    {"from": 7, "level": 4},
]
SHORT_LEVELS = [
    {"from": 0, "level": 0},
    {"from": 1, "level": 1},
    {"from": 2, "level": 2},
    {"from": 3, "level": 3},
    {"from": 4, "level": 4},
]

OCCUPATION = choices(
    ("employed", "Occupato/a", "Employed", 0),
    ("unemployed_short", "Disoccupato/a da meno di 12 mesi", "Unemployed for less than 12 months", 1),
    ("unemployed_long", "Disoccupato/a da 12 mesi o più", "Unemployed for 12 months or more", 2),
    ("never_worked", "Mai occupato/a", "Never worked", 3),
    ("inactive", "Studente, pensionato/a o non in cerca", "Student, retired or not looking", 1),
)
EDUCATION = choices(
    ("none", "Nessun titolo o licenza elementare", "No qualification or primary school", 3),
    ("lower_secondary", "Licenza media", "Lower secondary school", 2),
    ("upper_secondary", "Diploma o qualifica professionale", "Upper secondary or vocational diploma", 1),
    ("tertiary", "Laurea o titolo terziario", "Degree or tertiary qualification", 0),
)
ITALIAN = choices(
    ("native", "Madrelingua", "Native speaker", 0),
    ("advanced", "Buona (B2 o superiore)", "Good (B2 or above)", 0),
    ("intermediate", "Sufficiente (B1)", "Fair (B1)", 1),
    ("basic", "Elementare (A1-A2)", "Basic (A1-A2)", 2),
    ("none", "Nessuna", "None", 3),
)
DIGITAL = choices(
    ("advanced", "Autonomo/a (posta, documenti, portali)", "Independent (e-mail, documents, portals)", 0),
    ("basic", "Di base (smartphone, messaggi)", "Basic (smartphone, messages)", 1),
    ("none", "Nessuna", "None", 2),
)
HOUSING = choices(
    ("stable", "Casa di proprietà o in affitto regolare", "Own home or regular rent", 0),
    ("at_risk", "Affitto a rischio (morosità, sfratto)", "Rent at risk (arrears, eviction)", 3),
    ("precarious", "Ospite o sistemazione precaria", "Guest or precarious arrangement", 3),
    ("homeless", "Senza dimora", "Homeless", 4),
)
NETWORK = choices(
    ("good", "Rete familiare e amicale di sostegno", "Supportive family and friends", 0),
    ("weak", "Rete debole o occasionale", "Weak or occasional network", 1),
    ("none", "Nessuna rete di sostegno", "No support network", 3),
)


def yes_no(key: str, it: str, en: str, yes: int = 0, no: int = 0, required: bool = True) -> dict[str, Any]:
    return {"key": key, "type": "yes_no", "label": L(it, en), "required": required, "points": {"yes": yes, "no": no}}


PRELIMINARY: dict[str, Any] = {
    "max_level": 4,
    "dimensions": [
        {
            "key": "work",
            "section": "work",
            "title": L("Lavoro", "Work"),
            "levels": SHORT_LEVELS,
            "questions": [
                {
                    "key": "occupation",
                    "type": "choice",
                    "required": True,
                    "label": L("Condizione occupazionale", "Employment status"),
                    "choices": OCCUPATION,
                },
                yes_no("registered_cpi", "È iscritto/a al Centro per l'Impiego?", "Registered with the CPI?", no=1),
            ],
        },
        {
            "key": "income",
            "section": "common",
            "title": L("Reddito", "Income"),
            "levels": SHORT_LEVELS,
            "questions": [
                {
                    "key": "income_adequacy",
                    "type": "choice",
                    "required": True,
                    "label": L("Le entrate del nucleo bastano alle spese essenziali?", "Does income cover essentials?"),
                    "choices": choices(
                        ("enough", "Sì", "Yes", 0),
                        ("short", "Non sempre", "Not always", 2),
                        ("none", "Nessuna entrata", "No income", 3),
                    ),
                },
                yes_no("arrears", "Ci sono morosità (affitto, utenze)?", "Arrears on rent or utilities?", yes=1),
            ],
        },
        {
            "key": "housing",
            "section": "common",
            "title": L("Abitazione", "Housing"),
            "levels": SHORT_LEVELS,
            "questions": [
                {
                    "key": "housing",
                    "type": "choice",
                    "required": True,
                    "label": L("Situazione abitativa", "Housing situation"),
                    "choices": HOUSING,
                },
            ],
        },
        {
            "key": "family",
            "section": "common",
            "title": L("Famiglia e relazioni", "Family and relations"),
            "levels": SHORT_LEVELS,
            "questions": [
                {
                    "key": "network",
                    "type": "choice",
                    "required": True,
                    "label": L("Rete di sostegno", "Support network"),
                    "choices": NETWORK,
                },
                yes_no("minors", "Nel nucleo ci sono minorenni?", "Are there minors in the household?", yes=1),
            ],
        },
        {
            "key": "care",
            "section": "common",
            "title": L("Carichi di cura e bisogni complessi", "Care load and complex needs"),
            "levels": SHORT_LEVELS,
            "questions": [
                {
                    "key": "care_load",
                    "type": "choice",
                    "required": True,
                    "label": L("Carico di cura nel nucleo", "Care load in the household"),
                    "choices": choices(
                        ("none", "Nessuno", "None", 0),
                        ("young_children", "Figli sotto i 3 anni", "Children under 3", 1),
                        ("dependent_adult", "Adulto non autosufficiente", "Dependent adult", 2),
                    ),
                },
                {
                    **yes_no(
                        "specialist_needs",
                        "Servono specialisti sanitari o sociosanitari nell'équipe?",
                        "Are health or social-health specialists needed in the team?",
                        yes=2,
                    ),
                    "help": L(
                        "Non scrivere qui diagnosi o dettagli: vanno nella sezione salute della valutazione approfondita.",
                        "Do not write diagnoses or details here: they go in the health section of the in-depth assessment.",
                    ),
                },
                {
                    "key": "notes",
                    "type": "text",
                    "max_length": 1000,
                    "label": L("Osservazioni", "Remarks"),
                },
            ],
        },
    ],
    "profiling": {
        "title": L("Percorso indicato", "Suggested path"),
        "results": {
            "in_depth": L(
                "Quadro di analisi approfondito dell'équipe multidisciplinare",
                "In-depth assessment by the multidisciplinary team",
            ),
            "work": L("Percorso lavoro: patto di servizio con il CPI", "Work path: patto di servizio with the CPI"),
            "social": L(
                "Percorso sociale semplificato: patto per l'inclusione", "Simplified social path: inclusion pact"
            ),
        },
        "rules": [
            {
                "key": "specialists_needed",
                "label": L("Servono specialisti nell'équipe", "Specialists are needed in the team"),
                "when": [{"question": "specialist_needs", "op": "eq", "value": True}],
                "result": "in_depth",
            },
            {
                "key": "housing_emergency",
                "label": L("Bisogno abitativo alto", "High housing need"),
                "when": [{"dimension": "housing", "op": "gte", "value": 3}],
                "result": "in_depth",
            },
            {
                "key": "care_and_income",
                "label": L("Carico di cura insieme a difficoltà economiche", "Care load together with low income"),
                "when": [
                    {"dimension": "care", "op": "gte", "value": 1},
                    {"dimension": "income", "op": "gte", "value": 2},
                ],
                "result": "in_depth",
            },
            {
                "key": "work_only",
                "label": L("Il bisogno riguarda soprattutto il lavoro", "The need is mainly about work"),
                "when": [
                    {"dimension": "work", "op": "gte", "value": 1},
                    {"dimension": "housing", "op": "lte", "value": 1},
                    {"dimension": "family", "op": "lte", "value": 1},
                    {"dimension": "care", "op": "eq", "value": 0},
                ],
                "result": "work",
            },
        ],
        "default": {
            "result": "social",
            "label": L(
                "Nessuna regola indica il lavoro o l'analisi approfondita",
                "No rule points to work or to an in-depth assessment",
            ),
        },
    },
}


def number(key: str, it: str, en: str, low: int, high: int, bands: list[tuple[int, int | None, int]]) -> dict:
    return {
        "key": key,
        "type": "number",
        "integer": True,
        "min": low,
        "max": high,
        "required": True,
        "label": L(it, en),
        "bands": [{"min": a, "max": b, "points": p} for a, b, p in bands],
    }


IN_DEPTH: dict[str, Any] = {
    "max_level": 4,
    "dimensions": [
        {
            "key": "work",
            "section": "work",
            "title": L("Lavoro e occupabilità", "Work and employability"),
            "levels": LEVELS,
            "questions": [
                {
                    "key": "occupation",
                    "type": "choice",
                    "required": True,
                    "label": L("Condizione occupazionale", "Employment status"),
                    "choices": OCCUPATION,
                },
                number(
                    "months_without_work",
                    "Mesi senza lavoro (0 se occupato/a)",
                    "Months without work (0 if employed)",
                    0,
                    600,
                    [(0, 6, 0), (7, 12, 1), (13, 24, 2), (25, None, 3)],
                ),
                yes_no("job_search", "Cerca attivamente lavoro?", "Actively looking for work?", no=1),
                {
                    "key": "barriers",
                    "type": "multi_choice",
                    "label": L("Ostacoli al lavoro", "Barriers to work"),
                    "max_points": 3,
                    "choices": choices(
                        ("transport", "Trasporti", "Transport", 1),
                        ("care", "Impegni di cura", "Care duties", 1),
                        ("language", "Lingua", "Language", 1),
                        ("digital", "Competenze digitali", "Digital skills", 1),
                    ),
                },
            ],
        },
        {
            "key": "health",
            "section": "health",
            "title": L("Salute", "Health"),
            "levels": LEVELS,
            "questions": [
                {
                    "key": "health_condition",
                    "type": "choice",
                    "required": True,
                    "label": L("Condizione di salute", "Health condition"),
                    "choices": choices(
                        ("good", "Buona", "Good", 0),
                        ("mild", "Problemi lievi", "Mild problems", 1),
                        ("chronic", "Patologia cronica", "Chronic condition", 3),
                        ("severe", "Condizione grave o invalidante", "Severe or disabling condition", 5),
                    ),
                },
                yes_no("daily_limits", "Limita le attività quotidiane?", "Does it limit daily activities?", yes=2),
                yes_no(
                    "specialist_service",
                    "È seguito/a da un servizio specialistico?",
                    "Followed by a specialist service?",
                    yes=1,
                ),
                {
                    "key": "health_notes",
                    "type": "text",
                    "max_length": 2000,
                    "label": L("Note sanitarie", "Health notes"),
                },
            ],
        },
        {
            "key": "housing",
            "section": "common",
            "title": L("Abitazione", "Housing"),
            "levels": LEVELS,
            "questions": [
                {
                    "key": "housing",
                    "type": "choice",
                    "required": True,
                    "label": L("Situazione abitativa", "Housing situation"),
                    "choices": HOUSING,
                },
                number(
                    "housing_cost_share",
                    "Quota del reddito spesa per la casa (%)",
                    "Share of income spent on housing (%)",
                    0,
                    100,
                    [(0, 30, 0), (31, 50, 1), (51, 100, 2)],
                ),
                yes_no("overcrowded", "L'alloggio è sovraffollato o inadeguato?", "Overcrowded or unfit?", yes=1),
            ],
        },
        {
            "key": "education",
            "section": "common",
            "title": L("Istruzione e formazione", "Education and training"),
            "levels": LEVELS,
            "questions": [
                {
                    "key": "education",
                    "type": "choice",
                    "required": True,
                    "label": L("Titolo di studio", "Education"),
                    "choices": EDUCATION,
                },
                {
                    "key": "italian",
                    "type": "choice",
                    "required": True,
                    "label": L("Conoscenza dell'italiano", "Knowledge of Italian"),
                    "choices": ITALIAN,
                },
                {
                    "key": "digital",
                    "type": "choice",
                    "required": True,
                    "label": L("Competenze digitali", "Digital skills"),
                    "choices": DIGITAL,
                },
            ],
        },
        {
            "key": "family",
            "section": "common",
            "title": L("Famiglia e relazioni", "Family and relations"),
            "levels": LEVELS,
            "questions": [
                {
                    "key": "network",
                    "type": "choice",
                    "required": True,
                    "label": L("Rete di sostegno", "Support network"),
                    "choices": NETWORK,
                },
                yes_no("conflicts", "Conflitti gravi nel nucleo?", "Serious conflicts in the household?", yes=2),
                yes_no("single_parent", "Genitore solo con figli a carico?", "Single parent with children?", yes=1),
                number(
                    "minors",
                    "Minorenni nel nucleo",
                    "Minors in the household",
                    0,
                    15,
                    [(0, 0, 0), (1, 2, 1), (3, None, 2)],
                ),
            ],
        },
        {
            "key": "income",
            "section": "common",
            "title": L("Reddito", "Income"),
            "levels": LEVELS,
            "questions": [
                number(
                    "monthly_income",
                    "Entrate mensili del nucleo (euro)",
                    "Household monthly income (euro)",
                    0,
                    100000,
                    [(0, 0, 5), (1, 500, 4), (501, 1000, 3), (1001, 1500, 1), (1501, None, 0)],
                ),
                yes_no("arrears", "Ci sono morosità o debiti?", "Arrears or debts?", yes=2),
            ],
        },
        {
            "key": "care_load",
            "section": "common",
            "title": L("Carico di cura", "Care load"),
            "levels": LEVELS,
            "questions": [
                number(
                    "dependants",
                    "Persone non autosufficienti o bambini sotto i 3 anni di cui si prende cura",
                    "Dependent adults or children under 3 in their care",
                    0,
                    10,
                    [(0, 0, 0), (1, 1, 2), (2, None, 3)],
                ),
                number(
                    "care_hours",
                    "Ore di cura a settimana",
                    "Care hours per week",
                    0,
                    168,
                    [(0, 5, 0), (6, 20, 1), (21, 40, 2), (41, None, 3)],
                ),
                yes_no("care_help", "Riceve aiuto nella cura?", "Gets help with care?", no=1),
            ],
        },
    ],
}

CPI_INTERVIEW: dict[str, Any] = {
    "max_level": 4,
    "dimensions": [
        {
            "key": "work_history",
            "section": "work",
            "title": L("Esperienze di lavoro", "Work history"),
            "levels": SHORT_LEVELS,
            "questions": [
                {
                    "key": "last_worked",
                    "type": "choice",
                    "required": True,
                    "label": L("Ultimo lavoro svolto", "Last job"),
                    "choices": choices(
                        ("within_12", "Negli ultimi 12 mesi", "In the last 12 months", 0),
                        ("1_3_years", "Da 1 a 3 anni fa", "1 to 3 years ago", 1),
                        ("over_3_years", "Più di 3 anni fa", "More than 3 years ago", 2),
                        ("never", "Mai lavorato", "Never worked", 3),
                    ),
                },
                {
                    "key": "sectors",
                    "type": "text",
                    "max_length": 500,
                    "label": L("Settori e mansioni", "Sectors and tasks"),
                },
            ],
        },
        {
            "key": "skills",
            "section": "work",
            "title": L("Competenze", "Skills"),
            "levels": LEVELS,
            "questions": [
                {
                    "key": "education",
                    "type": "choice",
                    "required": True,
                    "label": L("Titolo di studio", "Education"),
                    "choices": EDUCATION,
                },
                {
                    "key": "italian",
                    "type": "choice",
                    "required": True,
                    "label": L("Conoscenza dell'italiano", "Knowledge of Italian"),
                    "choices": ITALIAN,
                },
                {
                    "key": "digital",
                    "type": "choice",
                    "required": True,
                    "label": L("Competenze digitali", "Digital skills"),
                    "choices": DIGITAL,
                },
                yes_no("driving_licence", "Patente di guida", "Driving licence", no=1),
            ],
        },
        {
            "key": "availability",
            "section": "work",
            "title": L("Disponibilità", "Availability"),
            "levels": SHORT_LEVELS,
            "questions": [
                {
                    "key": "availability",
                    "type": "choice",
                    "required": True,
                    "label": L("Disponibilità al lavoro", "Availability for work"),
                    "help": L(
                        "«Non ora» quando impegni di cura o percorsi in corso impediscono oggi un lavoro.",
                        "“Not now” when care duties or ongoing paths prevent a job today.",
                    ),
                    "choices": choices(
                        ("full_time", "Tempo pieno", "Full time", 0),
                        ("part_time", "Part-time", "Part time", 1),
                        ("limited", "Poche ore o orari vincolati", "A few hours or fixed times", 2),
                        ("not_now", "Non ora", "Not now", 4),
                    ),
                },
                yes_no("training", "Interessato/a a corsi o tirocini?", "Interested in courses or internships?"),
            ],
        },
    ],
    "profiling": {
        "title": L("Classe di occupabilità", "Employability class"),
        "results": {
            "A": L("A – occupabilità alta", "A – high employability"),
            "B": L("B – occupabilità media", "B – medium employability"),
            "C": L("C – occupabilità bassa", "C – low employability"),
            "D": L("D – nessun percorso di lavoro per ora", "D – no work path for now"),
        },
        "rules": [
            {
                "key": "not_available",
                "label": L("Non disponibile al lavoro ora", "Not available for work now"),
                "when": [{"question": "availability", "op": "eq", "value": "not_now"}],
                "result": "D",
            },
            {
                "key": "young_ready",
                "label": L(
                    "18-29 anni, diploma o laurea, ha lavorato negli ultimi 12 mesi",
                    "Aged 18-29, secondary or tertiary education, worked in the last 12 months",
                ),
                "when": [
                    {"fact": "age", "op": "between", "value": [18, 29]},
                    {"question": "education", "op": "in", "value": ["upper_secondary", "tertiary"]},
                    {"question": "last_worked", "op": "eq", "value": "within_12"},
                ],
                "result": "A",
            },
            {
                "key": "adult_ready",
                "label": L(
                    "30-54 anni, diploma o laurea, lavoro recente, italiano almeno B1",
                    "Aged 30-54, secondary or tertiary education, recent work, Italian at least B1",
                ),
                "when": [
                    {"fact": "age", "op": "between", "value": [30, 54]},
                    {"question": "education", "op": "in", "value": ["upper_secondary", "tertiary"]},
                    {"question": "last_worked", "op": "eq", "value": "within_12"},
                    {"question": "italian", "op": "in", "value": ["native", "advanced", "intermediate"]},
                ],
                "result": "A",
            },
            {
                "key": "recent_experience",
                "label": L(
                    "Ha lavorato negli ultimi 3 anni ed è disponibile almeno part-time",
                    "Worked in the last 3 years and available at least part time",
                ),
                "when": [
                    {"question": "last_worked", "op": "in", "value": ["within_12", "1_3_years"]},
                    {"question": "availability", "op": "in", "value": ["full_time", "part_time"]},
                ],
                "result": "B",
            },
            {
                "key": "skills_to_rebuild",
                "label": L(
                    "Diploma o laurea e competenze digitali, ma lontano/a dal lavoro",
                    "Secondary or tertiary education and digital skills, but far from work",
                ),
                "when": [
                    {"question": "education", "op": "in", "value": ["upper_secondary", "tertiary"]},
                    {"question": "digital", "op": "in", "value": ["basic", "advanced"]},
                    {"question": "availability", "op": "in", "value": ["full_time", "part_time"]},
                ],
                "result": "B",
            },
        ],
        "default": {
            "result": "C",
            "label": L(
                "Nessuna regola per A o B è soddisfatta: occupabilità bassa",
                "No rule for A or B holds: low employability",
            ),
        },
    },
}

TOOLS = [
    ("analisi_preliminare", "preliminary", L("Analisi preliminare", "Preliminary analysis"), PRELIMINARY),
    (
        "valutazione_multidimensionale",
        "in_depth",
        L("Quadro di analisi approfondito", "In-depth multidimensional assessment"),
        IN_DEPTH,
    ),
    (
        "colloquio_competenze_cpi",
        "cpi_interview",
        L("Colloquio di analisi delle competenze (CPI)", "CPI skills interview"),
        CPI_INTERVIEW,
    ),
]


def ship(apps: Any, schema_editor: Any) -> None:
    AssessmentTool = apps.get_model("assessments", "AssessmentTool")
    for key, kind, title, schema in TOOLS:
        AssessmentTool.objects.get_or_create(
            key=key,
            version=1,
            defaults={
                "kind": kind,
                "title": title,
                "schema": schema,
                "is_published": True,
                "published_at": timezone.now(),
            },
        )


def unship(apps: Any, schema_editor: Any) -> None:
    AssessmentTool = apps.get_model("assessments", "AssessmentTool")
    keys = [key for key, _kind, _title, _schema in TOOLS]
    # Only versions nobody answered: answers keep the questions they answered.
    AssessmentTool.objects.filter(key__in=keys, version=1, assessments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_tools_assessments_profiles")]

    operations = [migrations.RunPython(ship, unship)]
