"""The ductogram procedure type and the FAQ patients read, from shared/seeds/ductography-faq.txt.

The seed was cleaned by hand into the entries below: the page debris ("Rewind 10 Seconds.", the doubled
heading) removed, the pairs that say the same thing twice under two names (ductogram / galactogram) merged,
and each entry given a topic and the reminder stages that carry it. The preparation facts a patient needs and
the seed lacks are entries of their own. Every entry is in the week-before reminder, which carries the whole
FAQ; staff edit all of it in the admin afterwards, so this migration is the starting text, not the truth.
"""

from django.db import migrations

CONF, WEEK, TWO_DAYS, DAY = "booking_confirmation", "week_before", "two_days_before", "day_before"

PREPARATION = """\
- Do not squeeze or express your nipple for at least 3 days before the test: we need the discharge to find the duct.
- On the day, do not put deodorant, talcum powder, lotion or perfume on your breasts or under your arms.
- Wear a two-piece outfit (top and trousers or skirt): you will undress to the waist.
- Tell us beforehand if you could be pregnant, are allergic to X-ray contrast (iodine), have redness or infection in the breast, or take blood thinners.
- Arrive 15 minutes before your appointment time."""

# (topic, stages, question, answer); order follows the list.
FAQ = [
    (
        "about",
        [CONF, WEEK],
        "What is a ductogram?",
        "A ductogram (also called a galactogram, or breast ductography) uses mammography and an injection of "
        "contrast material to make pictures of the inside of the breast's milk ducts. It is most often used when "
        "a woman has had a bloody or clear discharge from the nipple but an otherwise normal mammogram.",
    ),
    (
        "procedure",
        [CONF, WEEK],
        "How is a ductogram done?",
        "It is like a mammogram, except that first a small amount of contrast dye (X-ray dye) is put into the "
        "duct that the discharge comes from, through a very fine tube at the nipple. The X-ray pictures then show "
        "the inside of that duct in detail: whether something in it may be causing the discharge, and where, so "
        "that a surgeon can find the duct if it needs to be removed.",
    ),
    (
        "duration",
        [CONF, WEEK, DAY],
        "How long does it take?",
        "A ductogram usually takes between 30 and 60 minutes.",
    ),
    (
        "discomfort",
        [WEEK, TWO_DAYS],
        "Does it hurt?",
        "It can be a bit uncomfortable, but it is not usually painful. It is more uncomfortable when there is "
        "little discharge on the day, because that makes the opening of the duct harder to find.",
    ),
    (
        "preparation",
        [CONF, WEEK, TWO_DAYS, DAY],
        "Should I squeeze out the discharge before the test?",
        "No. Please do not squeeze, express or check your nipple for discharge for at least 3 days before your "
        "appointment. The radiologist finds the right duct by the discharge coming out of it; if you empty it "
        "beforehand, the test may be harder, more uncomfortable, or not possible that day.",
    ),
    (
        "preparation",
        [WEEK, TWO_DAYS],
        "What if the discharge has stopped?",
        "The test can only be done if there is discharge on the day to show which duct to look at. If your "
        "discharge has stopped, please call us before your appointment so that we can decide together whether "
        "to go ahead or book another day.",
    ),
    (
        "preparation",
        [WEEK, DAY],
        "Can I wear deodorant or use body lotion?",
        "Not on the day of the test. Deodorant, talcum powder, lotion and perfume can show up on the X-ray "
        "pictures, so please do not put any on your breasts or under your arms that day.",
    ),
    (
        "preparation",
        [WEEK, DAY],
        "What should I wear?",
        "A two-piece outfit, such as a top with trousers or a skirt. You will need to undress to the waist and "
        "we will give you a gown.",
    ),
    (
        "preparation",
        [WEEK, DAY],
        "When should I arrive?",
        "Please arrive 15 minutes before your appointment time so that we can check you in and go through "
        "a few questions with you.",
    ),
    (
        "preparation",
        [CONF, WEEK, TWO_DAYS],
        "What do I need to tell you before the test?",
        "Please tell us before your appointment if you could be pregnant, if you have ever had a reaction to "
        "X-ray contrast dye (iodine), if your breast is red, hot or infected now, or if you take medicine that "
        "thins the blood. We may need to change the plan or the date.",
    ),
    (
        "aftercare",
        [WEEK],
        "How will I feel afterwards?",
        "Your breast may feel a little sore for a day or two; ordinary pain relief such as paracetamol helps. "
        "You can go back to your usual activities straight away. Call us or your doctor if the breast becomes "
        "red, hot or more painful, or if you have a fever.",
    ),
    (
        "aftercare",
        [WEEK],
        "When will I get my results?",
        "A radiologist reviews the pictures and sends a report to the doctor who referred you, who will discuss "
        "the results with you.",
    ),
    (
        "background",
        [WEEK],
        "How does milk come out of the nipple?",
        "The breasts make milk from water and nutrients taken from the blood. The milk is stored in small glands "
        "called lobules until the hormone oxytocin makes tiny muscles around them tighten and push the milk "
        "through the ducts to the nipple. This is called the let-down reflex, or milk-ejection reflex.",
    ),
    (
        "background",
        [WEEK],
        "Where in the breast is milk made?",
        "Milk comes from the mammary glands inside the breasts. Tiny grape-like sacs called alveoli make and "
        "store the milk; a cluster of alveoli is called a lobule, and each lobule connects to a lobe, from which "
        "the ducts lead to the nipple.",
    ),
    (
        "background",
        [WEEK],
        "Is it normal for fluid to come from the nipple?",
        "Nipples may release some fluid when they are touched or squeezed, and discharge can also happen when a "
        "bra rubs the nipples repeatedly or during vigorous exercise such as jogging. Discharge that comes on "
        "its own, from one duct, or is bloody or clear, is what a ductogram looks into.",
    ),
]


def load(apps, schema_editor):
    ProcedureType = apps.get_model("procedures", "ProcedureType")
    FaqEntry = apps.get_model("procedures", "FaqEntry")
    ductogram, _ = ProcedureType.objects.get_or_create(
        code="DUCTOGRAM",
        defaults={
            "name": "Ductogram",
            "default_duration": 45,
            "min_duration": 30,
            "max_duration": 60,
            "arrival_lead": 15,
            "preparation": PREPARATION,
        },
    )
    for order, (topic, stages, question, answer) in enumerate(FAQ, start=1):
        FaqEntry.objects.get_or_create(
            procedure_type=ductogram,
            question=question,
            defaults={"answer": answer, "topic": topic, "stages": stages, "order": order * 10},
        )


def unload(apps, schema_editor):
    FaqEntry = apps.get_model("procedures", "FaqEntry")
    FaqEntry.objects.filter(procedure_type__code="DUCTOGRAM", question__in=[q for _, _, q, _ in FAQ]).delete()


class Migration(migrations.Migration):
    dependencies = [("procedures", "0002_no_overlapping_appointments")]

    operations = [migrations.RunPython(load, unload)]
