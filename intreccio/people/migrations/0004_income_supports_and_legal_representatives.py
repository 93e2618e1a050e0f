"""National income measures of households and legal representatives of persons.

Two periods in effect (granted, suspended or ended) of one household may not overlap. A CHECK
cannot compare rows, so PostgreSQL gets an exclusion constraint (race-free: two concurrent
inserts cannot both pass) and SQLite a pair of triggers; both report an IntegrityError.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

IN_EFFECT = "('granted', 'suspended', 'ended')"
TABLE = "people_incomesupport"
POSTGRES_FORWARD = [
    f"ALTER TABLE {TABLE} ADD CONSTRAINT incomesupport_no_overlap EXCLUDE USING gist ("
    "int8range(household_id, household_id, '[]') WITH =, daterange(date_from, date_to, '[]') WITH &&"
    f") WHERE (status IN {IN_EFFECT})",
]
POSTGRES_REVERSE = [f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS incomesupport_no_overlap"]
# A NULL end is an open period: compared as the last representable day.
# Built from the constants above only: nothing typed by anyone reaches this SQL.
_OVERLAP = (
    f"NEW.status IN {IN_EFFECT} AND EXISTS (SELECT 1 FROM {TABLE} o WHERE o.household_id = NEW.household_id "  # noqa: S608
    f"AND o.id IS NOT NEW.id AND o.status IN {IN_EFFECT} "
    "AND o.date_from <= COALESCE(NEW.date_to, '9999-12-31') AND NEW.date_from <= COALESCE(o.date_to, '9999-12-31'))"
)
SQLITE_FORWARD = [
    f"CREATE TRIGGER incomesupport_no_overlap_{op.lower()} BEFORE {op} ON {TABLE} WHEN {_OVERLAP} "
    "BEGIN SELECT RAISE(ABORT, 'incomesupport_no_overlap: periods in effect overlap'); END"
    for op in ("INSERT", "UPDATE")
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS incomesupport_no_overlap_{op}" for op in ("insert", "update")]


def _run(statements: dict[str, list[str]], schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}, schema_editor)


def reverse(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_temporary_fiscal_codes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IncomeSupport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "measure",
                    models.CharField(
                        choices=[
                            ("sia", "SIA – Sostegno per l'inclusione attiva"),
                            ("rei", "ReI – Reddito di inclusione"),
                            ("rdc", "RdC – Reddito di cittadinanza"),
                            ("adi", "ADI – Assegno di inclusione"),
                            ("sfl", "SFL – Supporto per la formazione e il lavoro"),
                            ("none", "No national income measure"),
                        ],
                        max_length=8,
                        verbose_name="measure",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("applied", "Applied for"),
                            ("granted", "Granted"),
                            ("suspended", "Suspended"),
                            ("revoked", "Revoked"),
                            ("ended", "Ended"),
                        ],
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("date_from", models.DateField(verbose_name="from")),
                ("date_to", models.DateField(blank=True, null=True, verbose_name="to")),
                (
                    "monthly_amount",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=9, null=True, verbose_name="monthly amount (€)"
                    ),
                ),
                ("inps_protocol", models.CharField(blank=True, max_length=40, verbose_name="INPS protocol number")),
                (
                    "household",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="income_supports",
                        to="people.household",
                        verbose_name="household",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "national income measure",
                "verbose_name_plural": "national income measures",
                "ordering": ["household", "-date_from", "-pk"],
                "indexes": [
                    models.Index(fields=["household", "status", "date_from"], name="incomesupport_household_idx"),
                    models.Index(fields=["inps_protocol"], name="incomesupport_protocol_idx"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("measure__in", ["sia", "rei", "rdc", "adi", "sfl", "none"])),
                        name="incomesupport_measure_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["applied", "granted", "suspended", "revoked", "ended"])),
                        name="incomesupport_status_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("monthly_amount__isnull", True), ("monthly_amount__gte", 0), _connector="OR"
                        ),
                        name="incomesupport_amount_not_negative",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("date_to__isnull", True), ("date_to__gte", models.F("date_from")), _connector="OR"
                        ),
                        name="incomesupport_dates_ordered",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status__in", ("revoked", "ended")), _negated=True),
                            ("date_to__isnull", False),
                            _connector="OR",
                        ),
                        name="incomesupport_closed_has_end",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("measure", "none"), _negated=True),
                            models.Q(("monthly_amount__isnull", True), ("inps_protocol", "")),
                            _connector="OR",
                        ),
                        name="incomesupport_none_has_no_amount",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("inps_protocol", ""), _negated=True),
                        fields=("household", "measure", "inps_protocol"),
                        name="incomesupport_unique_protocol",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="LegalRepresentative",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("support_administrator", "amministratore di sostegno"),
                            ("guardian", "tutore"),
                            ("curator", "curatore"),
                        ],
                        max_length=32,
                        verbose_name="kind",
                    ),
                ),
                ("full_name", models.CharField(max_length=200, verbose_name="name of the representative")),
                (
                    "fiscal_code",
                    models.CharField(blank=True, max_length=16, verbose_name="codice fiscale of the representative"),
                ),
                ("contact", models.CharField(blank=True, max_length=200, verbose_name="contact")),
                ("court", models.CharField(max_length=200, verbose_name="court (tribunale)")),
                ("decree_number", models.CharField(blank=True, max_length=60, verbose_name="decree number")),
                ("decree_date", models.DateField(verbose_name="decree date")),
                ("date_from", models.DateField(verbose_name="from")),
                ("date_to", models.DateField(blank=True, null=True, verbose_name="to")),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="legal_representatives",
                        to="people.person",
                        verbose_name="person",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "legal representative",
                "verbose_name_plural": "legal representatives",
                "ordering": ["person", "-date_from", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["support_administrator", "guardian", "curator"])),
                        name="legalrep_kind_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("full_name", ""), _negated=True), name="legalrep_name_not_blank"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("court", ""), _negated=True), name="legalrep_court_not_blank"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("fiscal_code", ""), ("fiscal_code__regex", "^([A-Z0-9]{16}|[0-9]{11})$"), _connector="OR"
                        ),
                        name="legalrep_fiscal_code_format",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("date_to__isnull", True), ("date_to__gte", models.F("date_from")), _connector="OR"
                        ),
                        name="legalrep_dates_ordered",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("date_from__gte", models.F("decree_date"))),
                        name="legalrep_from_after_decree",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("date_to__isnull", True)),
                        fields=("person", "kind"),
                        name="legalrep_one_current_per_kind",
                    ),
                ],
            },
        ),
        migrations.RunPython(forward, reverse),
    ]
