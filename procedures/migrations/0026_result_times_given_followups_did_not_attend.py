"""Issue 23: a result's times given by a person (`ProcedureResult.times_given`), a did-not-attend's reason and next
step, and follow-ups.

Two data steps, written out here (a migration keeps the rules as they were when it ran):

- Times given. The result form used to fill the end with the booked start (or the check-in) plus the expected
  duration, and a result saved unchanged recorded the expected duration as the actual one. Which of the older
  results were typed cannot be known; a result whose duration is exactly the expected one is taken as assumed (not
  given, so it no longer feeds the reports' durations or the suggested booking lengths); every other result with
  both times counts as given. A correction that changes the end gives them (procedures.services.results).
- Follow-ups. Results of appointments in the last 90 days that ask someone to act (BI-RADS 4A or higher, a surgical
  referral or short-interval follow-up: the radiologist; a repeat ductography or a procedure not performed: the
  schedulers' rebook) open a follow-up, so the list starts with what may still be waiting. Older results are left:
  the list is a failsafe from now, not an audit of the past.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

RECENT_DAYS = 90
SUSPICIOUS = ("4A", "4B", "4C", "5", "6")
RADIOLOGIST_RECOMMENDATIONS = {
    "surgical_referral": "Surgical referral (duct excision)",
    "short_interval": "Short-interval follow-up",
}
REBOOK_DAYS = {
    "no_discharge": ("Not performed: no discharge on the day", 14),
    "cannulation_failed": ("Not performed: cannulation failed", 14),
    "postponed_infection": ("Postponed: infection", 28),
    "postponed_pregnancy": ("Postponed: possible pregnancy", 28),
}
REPEAT = ("repeat_ductography", "Repeat ductography", 28)


def mark_times_given(apps, schema_editor):
    ProcedureResult = apps.get_model("procedures", "ProcedureResult")
    rows = ProcedureResult.objects.filter(started_at__isnull=False, ended_at__isnull=False).values_list(
        "pk", "started_at", "ended_at", "appointment__expected_duration"
    )
    given = [
        pk for pk, start, end, expected in rows.iterator(chunk_size=2000) if end - start != timedelta(minutes=expected)
    ]
    for first in range(0, len(given), 1000):
        ProcedureResult.objects.filter(pk__in=given[first : first + 1000]).update(times_given=True)


def open_recent_followups(apps, schema_editor):
    ProcedureResult = apps.get_model("procedures", "ProcedureResult")
    FollowUp = apps.get_model("procedures", "FollowUp")
    zone = ZoneInfo(settings.CLINIC_TIME_ZONE)
    now = timezone.now()
    recent = ProcedureResult.objects.filter(appointment__scheduled_start__gte=now - timedelta(days=RECENT_DAYS))
    made = []
    for result in recent.select_related("appointment").iterator(chunk_size=500):
        reasons, radiologist_acts, days = [], False, []
        if result.birads in SUSPICIOUS:
            reasons.append(f"BI-RADS {result.birads}")
            radiologist_acts = True
        if result.outcome in REBOOK_DAYS:
            reasons.append(REBOOK_DAYS[result.outcome][0])
            days.append(REBOOK_DAYS[result.outcome][1])
        if result.recommendation in RADIOLOGIST_RECOMMENDATIONS:
            reasons.append(RADIOLOGIST_RECOMMENDATIONS[result.recommendation])
            radiologist_acts = True
        elif result.recommendation == REPEAT[0]:
            reasons.append(REPEAT[1])
            days.append(REPEAT[2])
        if not reasons:
            continue
        appointment = result.appointment
        day = appointment.scheduled_start.astimezone(zone).date()
        made.append(
            FollowUp(
                appointment=appointment,
                source="result",
                reasons="; ".join(reasons),
                must_act="radiologist" if radiologist_acts else "schedulers",
                radiologist_id=(result.performed_by_id or appointment.radiologist_id) if radiologist_acts else None,
                rebook_from=day + timedelta(days=max(days)) if days else None,
                opened_at=now,
            )
        )
    FollowUp.objects.bulk_create(made, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0025_referrals"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="no_show_next_step",
            field=models.CharField(
                blank=True,
                choices=[
                    ("rebook", "Rebook offered"),
                    ("referrer_told", "Referrer told"),
                    ("discharged", "Discharged back to the referrer"),
                ],
                max_length=16,
                verbose_name="next step after did not attend",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="no_show_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("not_known", "Not known: no word from the patient"),
                    ("forgot", "Forgot or mistook the date"),
                    ("unwell", "Unwell"),
                    ("travel", "Transport or travel problem"),
                    ("no_discharge", "No discharge any more"),
                    ("decided_not", "Decided not to have it"),
                    ("other", "Other"),
                ],
                max_length=16,
                verbose_name="why the patient did not attend",
            ),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="no_show_next_step",
            field=models.CharField(
                blank=True,
                choices=[
                    ("rebook", "Rebook offered"),
                    ("referrer_told", "Referrer told"),
                    ("discharged", "Discharged back to the referrer"),
                ],
                max_length=16,
                verbose_name="next step after did not attend",
            ),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="no_show_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("not_known", "Not known: no word from the patient"),
                    ("forgot", "Forgot or mistook the date"),
                    ("unwell", "Unwell"),
                    ("travel", "Transport or travel problem"),
                    ("no_discharge", "No discharge any more"),
                    ("decided_not", "Decided not to have it"),
                    ("other", "Other"),
                ],
                max_length=16,
                verbose_name="why the patient did not attend",
            ),
        ),
        migrations.AddField(
            model_name="historicalprocedureresult",
            name="times_given",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="The start and end were entered, not assumed from the booking: only these count as durations.",
                verbose_name="times given by a person",
            ),
        ),
        migrations.AddField(
            model_name="procedureresult",
            name="times_given",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="The start and end were entered, not assumed from the booking: only these count as durations.",
                verbose_name="times given by a person",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalFollowUp",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                (
                    "source",
                    models.CharField(
                        choices=[("result", "Result"), ("did_not_attend", "Did not attend")], max_length=16
                    ),
                ),
                (
                    "reasons",
                    models.CharField(help_text="Why it needs following up, in the clinic's words.", max_length=200),
                ),
                (
                    "must_act",
                    models.CharField(
                        choices=[("radiologist", "Radiologist"), ("schedulers", "The schedulers")],
                        max_length=16,
                        verbose_name="who must act",
                    ),
                ),
                (
                    "rebook_from",
                    models.DateField(
                        blank=True,
                        help_text="When a rebook is wanted: the first day to offer (the interval suggested).",
                        null=True,
                    ),
                ),
                ("opened_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "action",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("rebooked", "Rebooked"),
                            ("referred_to_surgeons", "Referred to the breast surgeons"),
                            ("imaging_arranged", "Further imaging or biopsy arranged"),
                            ("referrer_told", "Referrer told, who takes it on"),
                            ("discharged", "Discharged back to the referrer"),
                            ("patient_declined", "The patient declined"),
                            ("other", "Other (say what in the note)"),
                            ("no_longer_needed", "No longer needed: the result or attendance was corrected"),
                        ],
                        max_length=24,
                        verbose_name="action taken",
                    ),
                ),
                ("action_note", models.CharField(blank=True, max_length=300)),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "appointment",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="procedures.appointment",
                    ),
                ),
                (
                    "closed_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "radiologist",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="The radiologist who must act (who performed it, else who was booked).",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "rebooked_as",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="procedures.appointment",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical follow up",
                "verbose_name_plural": "historical follow ups",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="FollowUp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "source",
                    models.CharField(
                        choices=[("result", "Result"), ("did_not_attend", "Did not attend")], max_length=16
                    ),
                ),
                (
                    "reasons",
                    models.CharField(help_text="Why it needs following up, in the clinic's words.", max_length=200),
                ),
                (
                    "must_act",
                    models.CharField(
                        choices=[("radiologist", "Radiologist"), ("schedulers", "The schedulers")],
                        max_length=16,
                        verbose_name="who must act",
                    ),
                ),
                (
                    "rebook_from",
                    models.DateField(
                        blank=True,
                        help_text="When a rebook is wanted: the first day to offer (the interval suggested).",
                        null=True,
                    ),
                ),
                ("opened_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "action",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("rebooked", "Rebooked"),
                            ("referred_to_surgeons", "Referred to the breast surgeons"),
                            ("imaging_arranged", "Further imaging or biopsy arranged"),
                            ("referrer_told", "Referrer told, who takes it on"),
                            ("discharged", "Discharged back to the referrer"),
                            ("patient_declined", "The patient declined"),
                            ("other", "Other (say what in the note)"),
                            ("no_longer_needed", "No longer needed: the result or attendance was corrected"),
                        ],
                        max_length=24,
                        verbose_name="action taken",
                    ),
                ),
                ("action_note", models.CharField(blank=True, max_length=300)),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "appointment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="follow_up",
                        to="procedures.appointment",
                    ),
                ),
                (
                    "closed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "radiologist",
                    models.ForeignKey(
                        blank=True,
                        help_text="The radiologist who must act (who performed it, else who was booked).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "rebooked_as",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="rebooked_from",
                        to="procedures.appointment",
                    ),
                ),
            ],
            options={
                "ordering": ["opened_at", "id"],
                "indexes": [models.Index(fields=["closed_at", "opened_at"], name="followup_open_by_age")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("action", ""), ("closed_at__isnull", True)),
                            models.Q(("closed_at__isnull", False), models.Q(("action", ""), _negated=True)),
                            _connector="OR",
                        ),
                        name="followup_closed_with_an_action",
                        violation_error_message="A follow-up is closed exactly when the action taken is recorded.",
                    )
                ],
            },
        ),
        migrations.RunPython(mark_times_given, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(open_recent_followups, migrations.RunPython.noop, elidable=True),
    ]
