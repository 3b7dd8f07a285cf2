"""Safety answers' flags tell "yes" from "not sure": "not sure" about pregnancy, contrast allergy, an infection or
blood thinners used to raise the same flag as "yes" ("Possibly pregnant", ...), so staff could not tell a patient who
said she may be pregnant from one who did not know. Each now raises its own: `pregnancy_unsure`,
`contrast_allergy_unsure`, `infection_unsure`, `blood_thinners_unsure` (SafetyAnswers.QUESTIONS and FLAGS).

A row's flags are derived once, when it is made (rows are never edited), so the rows made before keep the old codes:
this recomputes `flags` and `needs_call` from each row's stored answers, for the rows with a "not sure" among those
four answers (no other row's flags change). The rules are written out here as they stand at this migration, not read
from the model, which may change later. Whether a row needs a call does not change (a "not sure" about pregnancy or
an infection still puts the appointment on the call list; about an allergy or blood thinners it does not). Going back
gives "not sure" the "yes" flags again.
"""

from django.db import migrations
from django.db.models import Q

# question field: {answer: flag code}, in the order the questions are asked (the order of the codes in `flags`).
RAISES = {
    "discharge_present": {"no": "no_discharge", "unsure": "discharge_unsure"},
    "pregnant": {"yes": "pregnant", "unsure": "pregnancy_unsure"},
    "contrast_allergy": {"yes": "contrast_allergy", "unsure": "contrast_allergy_unsure"},
    "infection": {"yes": "infection", "unsure": "infection_unsure"},
    "blood_thinners": {"yes": "blood_thinners", "unsure": "blood_thinners_unsure"},
}
NEEDS_CALL = {"no_discharge", "pregnant", "pregnancy_unsure", "infection", "infection_unsure"}
# Before this migration "not sure" raised the "yes" flag, but about the discharge (which had its own already).
RAISED_BEFORE = {
    field: {**raises, "unsure": raises["yes"]} if "yes" in raises else raises for field, raises in RAISES.items()
}
CHANGED_FIELDS = ("pregnant", "contrast_allergy", "infection", "blood_thinners")
BATCH = 500


def _recompute(apps, rules: dict[str, dict[str, str]]) -> None:
    SafetyAnswers = apps.get_model("procedures", "SafetyAnswers")
    unsure = Q()
    for field in CHANGED_FIELDS:
        unsure |= Q(**{field: "unsure"})
    batch = []
    for row in SafetyAnswers.objects.filter(unsure).order_by("pk").iterator(chunk_size=BATCH):
        codes = [rules[field][answer] for field in RAISES if (answer := getattr(row, field)) in rules[field]]
        row.flags, row.needs_call = " ".join(codes), bool(NEEDS_CALL.intersection(codes))
        batch.append(row)
        if len(batch) == BATCH:
            SafetyAnswers.objects.bulk_update(batch, ["flags", "needs_call"])
            batch = []
    SafetyAnswers.objects.bulk_update(batch, ["flags", "needs_call"])


def tell_not_sure_apart(apps, schema_editor):
    _recompute(apps, RAISES)


def not_sure_as_yes(apps, schema_editor):
    _recompute(apps, RAISED_BEFORE)


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0026_result_times_given_followups_did_not_attend"),
    ]

    operations = [
        migrations.RunPython(tell_not_sure_apart, not_sure_as_yes, elidable=False),
    ]
