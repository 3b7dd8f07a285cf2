"""Translations of what patients read (the FAQ, preparation texts, room directions), in the admin: as inlines on the
English source, and in lists of their own to review them language by language ("Mark reviewed").

Staff write and correct translations here; saving changed words clears their review (the model's rule), and only
the review action (procedures.services.mark_reviewed) records who reviewed them and when.
"""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from ..access import staff_name
from ..languages import ENGLISH, offered
from ..models import FaqEntryTranslation, ProcedureTypeTranslation, RoomTranslation
from ..services import english_changed, mark_reviewed
from ..translations import review_state
from .shared import CleanText, SafeHistoryAdmin


def review_badges(source) -> str:
    """One badge per offered language (but English) for a source whose `translations` are prefetched: reviewed,
    unreviewed or missing, so a list shows at a glance what still needs a reviewer."""
    translations = list(source.translations.all())
    languages = [code for code in offered() if code != ENGLISH]
    if not languages:
        return "-"
    states = [(code, review_state(translations, code)) for code in languages]
    return format_html_join(
        " ",
        '<span class="translation-badge translation-{}" title="{} translation {}">{}: {}</span>',
        ((state, code, state, code, state) for code, state in states),
    )


class EnglishSource:
    """For the admin of a translated model (FAQ entry, procedure type, room): saving changed English clears its
    translations' reviews (procedures.services.english_changed), and says so."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and (cleared := english_changed(obj, form.changed_data, by=request.user)):
            self.message_user(
                request,
                f"The English changed, so {cleared} reviewed translation(s) need updating and reviewing again.",
                messages.WARNING,
            )


class ReviewedFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("no", "Unreviewed"), ("yes", "Reviewed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(reviewed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(reviewed_at__isnull=True)
        return queryset


class ReviewColumns:
    """The review's state, reviewer and time, read-only: set by the review action only."""

    @admin.display(description="Review")
    def review(self, obj) -> str:
        if obj.pk is None:
            return "-"
        if not obj.is_reviewed:
            return format_html('<span class="translation-badge translation-unreviewed">{}</span>', "Unreviewed")
        who = staff_name(obj.reviewed_by) if obj.reviewed_by else "someone no longer on staff"
        return f"Reviewed by {who}, {obj.reviewed_at:%d %b %Y %H:%M}"


class TranslationInline(CleanText, ReviewColumns, admin.StackedInline):
    extra = 0
    readonly_fields = ("review",)
    classes = ("collapse",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewed_by")


class FaqEntryTranslationInline(TranslationInline):
    model = FaqEntryTranslation
    fields = ("language", "question", "answer", "point", "review")


class ProcedureTypeTranslationInline(TranslationInline):
    model = ProcedureTypeTranslation
    fields = ("language", "preparation", "review")


class RoomTranslationInline(TranslationInline):
    model = RoomTranslation
    fields = ("language", "location", "review")


class TranslationAdmin(CleanText, ReviewColumns, SafeHistoryAdmin):
    """Every translation of one kind, filtered by language and review, searchable in both languages; select some
    and "Mark reviewed" to record that you read and approved them."""

    list_filter = ("language", ReviewedFilter)
    list_select_related = ("source", "reviewed_by")
    readonly_fields = ("review",)
    actions = ("mark_reviewed",)
    list_per_page = 50

    @admin.action(
        description="Mark reviewed (I read these translations and they say what the English says)",
        permissions=["change"],
    )
    def mark_reviewed(self, request, queryset):
        marked = mark_reviewed(queryset.select_related("reviewed_by"), by=request.user)
        self.message_user(request, f"Marked {marked} translation(s) reviewed by you.", messages.SUCCESS)


@admin.register(FaqEntryTranslation)
class FaqEntryTranslationAdmin(TranslationAdmin):
    list_display = ("question", "source", "language", "review")
    list_filter = ("language", ReviewedFilter, "source__procedure_type")
    search_fields = ("question", "answer", "point", "source__question", "source__answer")
    fields = ("source", "language", "question", "answer", "point", "review")
    autocomplete_fields = ("source",)


@admin.register(ProcedureTypeTranslation)
class ProcedureTypeTranslationAdmin(TranslationAdmin):
    list_display = ("source", "language", "review")
    search_fields = ("preparation", "source__name", "source__code")
    fields = ("source", "language", "preparation", "review")


@admin.register(RoomTranslation)
class RoomTranslationAdmin(TranslationAdmin):
    list_display = ("location", "source", "language", "review")
    search_fields = ("location", "source__name", "source__location")
    fields = ("source", "language", "location", "review")
