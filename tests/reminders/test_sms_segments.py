"""What a text costs (issue 19, point 5): GSM-7 with its extension table, UCS-2 in UTF-16 code units, 160/153 and
70/67 characters a segment; the level of a text with the fewest segments, the longest of those; a text over
SMS_MAX_SEGMENTS refused with a sentence saying why; the admin's preview naming the encoding and the segments."""

import html
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from reminders.channels import ContentError
from reminders.channels.sms import SMS_LEVELS, render_sms
from reminders.channels.sms_encoding import measure
from reminders.stages import Stage
from reminders.wording import context
from tests.clinic import FAR
from tests.factories import PatientFactory
from tests.messages import render_for

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ("GSM-7", 0, 1)),
        ("a" * 160, ("GSM-7", 160, 1)),
        ("a" * 161, ("GSM-7", 161, 2)),
        ("a" * 306, ("GSM-7", 306, 2)),  # two parts of 153
        ("a" * 307, ("GSM-7", 307, 3)),
        ("€" * 80, ("GSM-7", 160, 1)),  # the extension table: two septets each
        ("€" * 81, ("GSM-7", 162, 2)),
        ("{}\\^~|[]", ("GSM-7", 16, 1)),
        ("é è ù ì ò Ç Ø ø Å å Ä Ö Ñ Ü ß", ("GSM-7", 29, 1)),  # the accented letters GSM-7 has cost one
        ("a" * 152 + "€" + "a" * 152, ("GSM-7", 306, 3)),  # the € does not split: the first part keeps 152
        ("ŵ" * 70, ("UCS-2", 70, 1)),
        ("ŵ" * 71, ("UCS-2", 71, 2)),
        ("ą" * 134, ("UCS-2", 134, 2)),  # two parts of 67
        ("ł" * 135, ("UCS-2", 135, 3)),
        ("👍" * 35, ("UCS-2", 70, 1)),  # an emoji is two UTF-16 code units
        ("a" * 69 + "👍", ("UCS-2", 71, 2)),
        ("a" * 66 + "👍" + "a" * 66, ("UCS-2", 134, 3)),  # the emoji does not split: the first part keeps 66
        ("a" * 159 + "ê", ("UCS-2", 160, 3)),  # one letter outside GSM-7 makes the whole text UCS-2
        ("“quoted”", ("UCS-2", 8, 1)),
    ],
)
def test_a_texts_encoding_length_and_segments(text, expected):
    assert tuple(measure(text)) == expected


def test_a_welsh_text_with_w_circumflex_counts_as_ucs2():
    welsh = "Diolch, gwelwn ni chi yfory ar ôl yr ŵyl."

    assert measure(welsh).encoding == "UCS-2"
    assert measure(welsh.replace("ŵ", "w").replace("ô", "o")).encoding == "GSM-7"


def _levels(ctx: dict) -> list[str]:
    return [" ".join(render_to_string("reminders/sms.txt", {**ctx, **level}).split()) for level in SMS_LEVELS]


@pytest.mark.django_db
def test_an_english_text_stays_the_longest_level_that_fits_one_gsm7_segment(book):
    appointment = book(FAR)
    ctx = context(appointment, Stage.DAY_BEFORE, FAR, [Stage.DAY_BEFORE], with_faq=False)

    text = render_sms(ctx)

    fitting = [t for t in _levels(ctx) if measure(t).segments == 1]
    assert text == fitting[0]
    assert measure(text).encoding == "GSM-7"


@pytest.mark.django_db
@pytest.mark.parametrize("stage", list(Stage))
def test_a_text_that_cannot_fit_one_segment_takes_the_fewest_segments_and_the_longest_of_those(book, settings, stage):
    settings.CLINIC_SMS_NAME = "Ysbyty Athrofaol Tŵr y Ddinas"  # ŵ: every level goes as UCS-2
    settings.SITE_URL = "https://prep.riverside.nhs.uk"
    appointment = book(FAR, patient=PatientFactory(language="cy"))
    with translation.override("cy"):
        ctx = context(appointment, stage, FAR, [stage], with_faq=False)
        levels = _levels(ctx)
        text = render_sms(ctx)

    fewest = min(measure(t).segments for t in levels)
    assert measure(text).segments == fewest > 1
    assert text == next(t for t in levels if measure(t).segments == fewest)
    assert measure(text).encoding == "UCS-2"


@pytest.mark.django_db
def test_a_text_over_sms_max_segments_is_refused_with_a_sentence_naming_segments_encoding_and_limit(book, settings):
    settings.SMS_MAX_SEGMENTS = 1
    appointment = book(FAR, patient=PatientFactory(language="pl"))

    with pytest.raises(ContentError) as refused:
        render_for(appointment, Stage.BOOKING_CONFIRMATION, "sms", FAR, [Stage.BOOKING_CONFIRMATION])

    assert re.fullmatch(
        r"The text would take 2 UCS-2 segments \(\d+ characters\), more than SMS_MAX_SEGMENTS allows \(1\): "
        r"shorten CLINIC_SMS_NAME or SITE_URL, or raise SMS_MAX_SEGMENTS\.",
        str(refused.value),
    ), str(refused.value)


@pytest.mark.django_db
def test_the_same_polish_text_goes_in_two_segments_under_the_default_limit(book, settings):
    assert settings.SMS_MAX_SEGMENTS == 3
    appointment = book(FAR, patient=PatientFactory(language="pl"))

    text = render_for(appointment, Stage.BOOKING_CONFIRMATION, "sms", FAR, [Stage.BOOKING_CONFIRMATION]).text

    assert measure(text).encoding == "UCS-2" and measure(text).segments == 2
    assert text.startswith("Riverside Hospital: wizyta ") and "Szczegóły: http" in text


@pytest.mark.django_db
def test_the_admin_preview_shows_each_texts_encoding_characters_segments_and_the_limit(client, superuser, book):
    appointment = book(FAR, patient=PatientFactory(language="pl"))
    client.force_login(superuser)

    page = client.get(reverse("admin:reminders_reminder_preview", args=[appointment.pk]))

    assert page.status_code == 200
    texts = [p for p in page.context["previews"] if p["channel"] == "sms"]
    assert texts
    shown = html.unescape(page.content.decode())
    for preview in texts:
        size = measure(preview["message"].text)
        note = (
            f"UCS-2: {size.units} characters (70 a segment alone, 67 a part when longer), {size.segments} segments; "
            "the limit is 3 (SMS_MAX_SEGMENTS)."
        )
        assert preview["note"] == note
        assert note in shown
