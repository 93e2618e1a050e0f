"""Ship version 1 of the "scheda di pre-assessment" (seed 001:56,105; 003:636-692).

The schema is written out here, not imported from the app: a data migration must keep
producing the same version 1 whatever the code becomes. Later versions are published through
``questionnaire_publish``, never by editing this one.
"""

from typing import Any

from django.db import migrations
from django.utils import timezone

KEY = "pre_assessment"


def L(it: str, en: str) -> dict[str, str]:
    return {"it": it, "en": en}


def choices(*pairs: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"value": value, "label": L(it, en)} for value, it, en in pairs]


YES_NO_UNKNOWN = choices(
    ("yes", "Sì", "Yes"), ("no", "No", "No"), ("unknown", "Non so / da verificare", "Don't know / to be checked")
)

SCHEMA: dict[str, Any] = {
    "sections": [
        {
            "key": "household",
            "title": L("Composizione del nucleo familiare", "Household composition"),
            "questions": [
                {
                    "key": "household_size",
                    "type": "number",
                    "integer": True,
                    "min": 1,
                    "max": 20,
                    "required": True,
                    "label": L(
                        "Quante persone compongono il nucleo (compresa la persona)?",
                        "How many people live in the household (including the person)?",
                    ),
                },
                {
                    "key": "household_minors",
                    "type": "number",
                    "integer": True,
                    "min": 0,
                    "max": 20,
                    "required": True,
                    "label": L("Di cui minori", "Of whom minors"),
                },
                {
                    "key": "household_type",
                    "type": "choice",
                    "required": True,
                    "label": L("Tipo di nucleo", "Type of household"),
                    "choices": choices(
                        ("alone", "Persona sola", "Person living alone"),
                        ("couple_no_children", "Coppia senza figli", "Couple without children"),
                        ("couple_children", "Coppia con figli", "Couple with children"),
                        ("single_parent", "Genitore solo con figli", "Single parent with children"),
                        ("extended", "Nucleo allargato / più generazioni", "Extended / multi-generation household"),
                        ("cohabitation", "Convivenza (non parenti)", "Cohabitation (not related)"),
                        ("no_fixed_abode", "Senza dimora", "No fixed abode"),
                    ),
                },
                {
                    "key": "household_vulnerable",
                    "type": "multi_choice",
                    "label": L("Nel nucleo sono presenti", "The household includes"),
                    "choices": choices(
                        ("child_under_3", "Bambini sotto i 3 anni", "Children under 3"),
                        ("pregnancy", "Donna in gravidanza", "A pregnant woman"),
                        ("disabled_member", "Persona con disabilità", "A person with disability"),
                        ("elderly_over_75", "Anziano sopra i 75 anni", "An elderly person over 75"),
                        ("none", "Nessuna di queste situazioni", "None of these"),
                    ),
                },
            ],
        },
        {
            "key": "income",
            "title": L("Reddito e prestazioni", "Income and benefits"),
            "questions": [
                {
                    "key": "income_sources",
                    "type": "multi_choice",
                    "required": True,
                    "label": L("Fonti di reddito del nucleo", "Income sources of the household"),
                    "choices": choices(
                        ("employment", "Lavoro dipendente", "Employment"),
                        ("self_employment", "Lavoro autonomo", "Self-employment"),
                        ("pension", "Pensione", "Pension"),
                        (
                            "disability_allowance",
                            "Invalidità / indennità di accompagnamento",
                            "Disability allowance / attendance allowance",
                        ),
                        ("unemployment_benefit", "NASpI / disoccupazione", "Unemployment benefit (NASpI)"),
                        (
                            "inclusion_allowance",
                            "Assegno di inclusione (ADI) / misura nazionale",
                            "Inclusion allowance (ADI) / national income measure",
                        ),
                        ("family_help", "Aiuto di familiari", "Help from relatives"),
                        ("none", "Nessun reddito", "No income"),
                    ),
                },
                {
                    "key": "isee_available",
                    "type": "choice",
                    "required": True,
                    "label": L(
                        "Il nucleo ha un'attestazione ISEE valida?", "Does the household have a valid ISEE certificate?"
                    ),
                    "choices": YES_NO_UNKNOWN,
                },
                {
                    "key": "isee_value",
                    "type": "number",
                    "min": 0,
                    "max": 1000000,
                    "label": L("Valore ISEE dichiarato (€), se noto", "Declared ISEE value (€), if known"),
                },
                {
                    "key": "debts_arrears",
                    "type": "multi_choice",
                    "label": L("Morosità o debiti", "Arrears or debts"),
                    "choices": choices(
                        ("rent", "Affitto", "Rent"),
                        ("utilities", "Utenze (luce, gas, acqua)", "Utilities (power, gas, water)"),
                        ("loans", "Prestiti / finanziamenti", "Loans"),
                        ("none", "Nessuno", "None"),
                    ),
                },
            ],
        },
        {
            "key": "work",
            "title": L("Situazione lavorativa", "Work situation"),
            "questions": [
                {
                    "key": "work_status",
                    "type": "choice",
                    "required": True,
                    "label": L("Condizione lavorativa della persona", "The person's work status"),
                    "choices": choices(
                        ("employed", "Occupata", "Employed"),
                        ("precarious", "Occupata con lavoro precario o saltuario", "In precarious or occasional work"),
                        ("unemployed_short", "Disoccupata da meno di 12 mesi", "Unemployed for less than 12 months"),
                        ("unemployed_long", "Disoccupata da più di 12 mesi", "Unemployed for more than 12 months"),
                        ("never_worked", "In cerca di prima occupazione", "Looking for a first job"),
                        ("student", "Studente / in formazione", "Student / in training"),
                        ("retired", "Pensionata", "Retired"),
                        ("unable", "Non in grado di lavorare", "Unable to work"),
                    ),
                },
                {
                    "key": "cpi_registered",
                    "type": "yes_no",
                    "label": L(
                        "È iscritta al Centro per l'Impiego?",
                        "Is the person registered with the employment centre (CPI)?",
                    ),
                },
                {
                    "key": "education",
                    "type": "choice",
                    "label": L("Titolo di studio", "Education"),
                    "choices": choices(
                        ("none", "Nessuno", "None"),
                        ("primary", "Licenza elementare", "Primary school"),
                        ("lower_secondary", "Licenza media", "Lower secondary school"),
                        ("vocational", "Qualifica professionale", "Vocational qualification"),
                        ("upper_secondary", "Diploma", "Upper secondary diploma"),
                        ("degree", "Laurea", "University degree"),
                        ("foreign_not_recognised", "Titolo estero non riconosciuto", "Foreign title not recognised"),
                    ),
                },
            ],
        },
        {
            "key": "housing",
            "title": L("Abitazione", "Housing"),
            "questions": [
                {
                    "key": "housing_status",
                    "type": "choice",
                    "required": True,
                    "label": L("Situazione abitativa", "Housing situation"),
                    "choices": choices(
                        ("owned", "Casa di proprietà", "Owned home"),
                        ("private_rent", "Affitto sul mercato privato", "Private rent"),
                        ("social_housing", "Alloggio pubblico (ERP / housing sociale)", "Public or social housing"),
                        ("guest", "Ospite di parenti o amici", "Staying with relatives or friends"),
                        ("shelter", "Struttura di accoglienza", "Shelter or reception facility"),
                        ("homeless", "Senza dimora", "Homeless"),
                        ("other", "Altro", "Other"),
                    ),
                },
                {
                    "key": "eviction",
                    "type": "yes_no",
                    "required": True,
                    "label": L(
                        "C'è uno sfratto in corso o una perdita imminente dell'alloggio?",
                        "Is there an eviction under way or an imminent loss of housing?",
                    ),
                },
                {
                    "key": "housing_inadequate",
                    "type": "yes_no",
                    "label": L(
                        "L'alloggio è inadeguato (sovraffollato, insalubre, barriere)?",
                        "Is the home inadequate (overcrowded, unhealthy, barriers)?",
                    ),
                },
            ],
        },
        {
            "key": "health",
            "title": L("Salute e disabilità", "Health and disability"),
            "questions": [
                {
                    "key": "health_issues",
                    "type": "multi_choice",
                    "label": L("Problemi di salute nel nucleo", "Health problems in the household"),
                    "choices": choices(
                        ("chronic", "Malattia cronica", "Chronic illness"),
                        ("mental_health", "Disagio psichico", "Mental-health problems"),
                        ("addiction", "Dipendenze", "Addiction"),
                        ("disability", "Disabilità", "Disability"),
                        ("none", "Nessuno noto", "None known"),
                    ),
                },
                {
                    "key": "disability_certified",
                    "type": "choice",
                    "label": L(
                        "Invalidità o disabilità certificata (L.104)?", "Certified invalidity or disability (Law 104)?"
                    ),
                    "choices": YES_NO_UNKNOWN,
                },
                {
                    "key": "health_services",
                    "type": "yes_no",
                    "label": L(
                        "È seguita da servizi sanitari specialistici (CPS, SerD, NPIA)?",
                        "Is the person followed by specialist health services (CPS, SerD, NPIA)?",
                    ),
                },
            ],
        },
        {
            "key": "care",
            "title": L("Carico di cura", "Care load"),
            "questions": [
                {
                    "key": "caregiver",
                    "type": "yes_no",
                    "required": True,
                    "label": L(
                        "La persona assiste un familiare non autosufficiente?",
                        "Does the person care for a dependent relative?",
                    ),
                },
                {
                    "key": "care_hours",
                    "type": "number",
                    "integer": True,
                    "min": 0,
                    "max": 168,
                    "label": L("Ore settimanali di assistenza, se note", "Weekly hours of care, if known"),
                },
                {
                    "key": "support_network",
                    "type": "choice",
                    "label": L(
                        "Rete di supporto (parenti, amici, vicinato)",
                        "Support network (relatives, friends, neighbours)",
                    ),
                    "choices": choices(
                        ("strong", "Presente e attiva", "Present and active"),
                        ("weak", "Debole o occasionale", "Weak or occasional"),
                        ("absent", "Assente", "Absent"),
                    ),
                },
            ],
        },
        {
            "key": "services",
            "title": L("Servizi già coinvolti", "Services already involved"),
            "questions": [
                {
                    "key": "services_involved",
                    "type": "multi_choice",
                    "label": L(
                        "Servizi che conoscono già la persona o il nucleo",
                        "Services that already know the person or household",
                    ),
                    "choices": choices(
                        ("social_service", "Servizio sociale comunale", "Municipal social service"),
                        ("cpi", "Centro per l'Impiego", "Employment centre (CPI)"),
                        ("health", "Servizi sanitari (ASST, consultorio)", "Health services (ASST, family clinic)"),
                        ("minors_protection", "Tutela minori", "Child protection"),
                        (
                            "third_sector",
                            "Terzo settore (Caritas, associazioni)",
                            "Third sector (Caritas, associations)",
                        ),
                        ("anti_violence", "Centro antiviolenza", "Anti-violence centre"),
                        ("none", "Nessuno", "None"),
                    ),
                },
                {
                    "key": "services_notes",
                    "type": "text",
                    "max_length": 1000,
                    "label": L("Referenti e interventi in corso", "Contacts and interventions under way"),
                },
            ],
        },
        {
            "key": "urgency",
            "title": L("Fattori di urgenza", "Urgency factors"),
            "questions": [
                {
                    "key": "urgency_factors",
                    "type": "multi_choice",
                    "required": True,
                    "label": L("Sono presenti fattori di urgenza?", "Are there urgency factors?"),
                    "choices": choices(
                        ("minors_at_risk", "Minori in situazione di rischio", "Minors at risk"),
                        ("violence", "Violenza o maltrattamento in corso", "Ongoing violence or abuse"),
                        ("no_housing_tonight", "Senza alloggio per la notte", "No shelter for the night"),
                        ("no_food", "Mancanza di cibo o beni essenziali", "Lack of food or essential goods"),
                        (
                            "protected_discharge",
                            "Dimissione ospedaliera protetta imminente",
                            "Imminent protected hospital discharge",
                        ),
                        (
                            "eviction_date",
                            "Sfratto con data di esecuzione fissata",
                            "Eviction with a set execution date",
                        ),
                        ("none", "Nessuno", "None"),
                    ),
                },
                {
                    "key": "request_summary",
                    "type": "text",
                    "max_length": 2000,
                    "required": True,
                    "label": L(
                        "Sintesi della domanda e prima valutazione dell'operatore",
                        "Summary of the request and the operator's first assessment",
                    ),
                },
            ],
        },
    ]
}


def ship_version_1(apps: Any, schema_editor: Any) -> None:
    PreAssessmentForm = apps.get_model("access", "PreAssessmentForm")
    if PreAssessmentForm.objects.filter(key=KEY).exists():
        return
    PreAssessmentForm.objects.create(
        key=KEY,
        version=1,
        title="Scheda di pre-assessment",
        schema=SCHEMA,
        is_published=True,
        published_at=timezone.now(),
    )


def remove_version_1(apps: Any, schema_editor: Any) -> None:
    apps.get_model("access", "PreAssessmentForm").objects.filter(key=KEY, version=1, answers__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]

    operations = [migrations.RunPython(ship_version_1, remove_version_1)]
