"""Admin for labs: the catalogue (authored as files) and submissions (read-only)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.markdown import sanitise_html
from labs.models import Draft, Grading, HintReveal, Lab, Submission


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "domain", "difficulty", "minutes", "published", "updated_at"]
    list_filter = ["domain", "difficulty", "published"]
    search_fields = ["title", "slug", "summary"]
    readonly_fields = ["slug", "spec", "skills", "source_hash", "preview"]
    fields = ["slug", "title", "summary", "skills", "published", "preview", "source_hash"]

    @admin.display(description="Instructions as learners see them")
    def preview(self, lab: Lab) -> str:
        # Rendered, not escaped: the stored HTML is sanitised again (nh3) before it is trusted.
        return format_html(
            '<div class="prose admin-preview">{}</div>',
            mark_safe(sanitise_html(lab.instructions_html)),  # noqa: S308
        )


class GradingInline(admin.TabularInline):
    """Every grading of the submission (regrades add rows; none is ever changed)."""

    model = Grading
    fields = ("created_at", "kind", "requested_by", "score", "max_score", "percent")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    inlines = [GradingInline]
    list_display = ["lab", "user", "number", "status", "percent", "created_at"]
    list_filter = ["status", "lab"]
    search_fields = ["user__username", "lab__slug"]
    readonly_fields = [f.name for f in Submission._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


admin.site.register(Draft)
admin.site.register(HintReveal)
