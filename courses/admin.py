"""Admin for instructors: modules and lessons with a rendered preview; progress read-only."""

from __future__ import annotations

from django.contrib import admin
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from courses import services
from courses.forms import LessonAdminForm
from courses.models import Lesson, LessonProgress, Module

EDIT_NOTE = (
    "Saving here marks the object as edited in the admin: load_content then keeps your version "
    "(and says so) until someone runs load_content --force."
)


def _is_admin_edit(form, change: bool) -> bool:
    """True when the save changes content; unticking "edited in admin" hands it back to files."""
    changed = set(form.changed_data)
    if "edited_in_admin" in changed:
        return False
    return bool(changed) or not change


class LessonInline(admin.TabularInline):
    model = Lesson
    fields = ("order", "title", "slug", "minutes", "published", "edited_in_admin")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ("order", "title", "slug", "domain", "published", "edited_in_admin")
    list_display_links = ("title",)
    list_filter = ("published", "domain", "edited_in_admin")
    search_fields = ("title", "slug", "summary")
    readonly_fields = ("source_hash", "loaded_at", "edited_in_admin_at")
    inlines = [LessonInline]
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "order", "domain", "published")}),
        (
            "Content as code",
            {
                "description": EDIT_NOTE,
                "fields": ("edited_in_admin", "edited_in_admin_at", "loaded_at", "source_hash"),
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # Slugs are stable references (URLs, questions, labs, learners' history).
        return (*self.readonly_fields, "slug") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        services.module_save_from_admin(obj, changed=_is_admin_edit(form, change))


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    form = LessonAdminForm
    list_display = (
        "title",
        "module",
        "order",
        "domain",
        "task",
        "minutes",
        "published",
        "edited_in_admin",
    )
    list_filter = ("published", "module", "domain", "task", "edited_in_admin")
    list_select_related = ("module",)
    search_fields = ("title", "slug", "body_markdown")
    ordering = ("module__order", "order")
    readonly_fields = (
        "domain",
        "task",
        "preview",
        "source_hash",
        "loaded_at",
        "edited_in_admin_at",
    )
    fieldsets = (
        (
            None,
            {"fields": ("module", "slug", "title", "order", "published")},
        ),
        ("Exam mapping", {"fields": ("skills_text", "domain", "task", "tags", "minutes")}),
        ("Body", {"fields": ("body_markdown", "preview")}),
        (
            "Content as code",
            {
                "description": EDIT_NOTE,
                "fields": ("edited_in_admin", "edited_in_admin_at", "loaded_at", "source_hash"),
            },
        ),
    )

    @admin.display(description="Rendered preview (as saved)")
    def preview(self, obj: Lesson) -> str:
        if not obj.pk or not obj.body_html:
            return "Save to see the rendered lesson."
        # body_html was sanitised with nh3 when it was rendered.
        return format_html(
            '<link rel="stylesheet" href="{}">'
            '<div class="lesson-preview" style="max-width: 46rem">{}{}</div>',
            static("css/pygments.css"),
            mark_safe(obj.toc_html),  # noqa: S308 — sanitised at render time
            mark_safe(obj.body_html),  # noqa: S308 — sanitised at render time
        )

    def get_readonly_fields(self, request, obj=None):
        # `<module>/<lesson>` is a stable reference (URLs, questions, labs, learners' history).
        return (*self.readonly_fields, "module", "slug") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        services.lesson_save_from_admin(obj, changed=_is_admin_edit(form, change))

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        form.instance.skill_links.set(form.skill_rows)


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    """Learners' progress is their record: instructors may look, never change or delete it."""

    list_display = ("user", "lesson", "done_at", "last_viewed_at")
    list_filter = ("lesson__module",)
    list_select_related = ("user", "lesson")
    search_fields = ("user__username", "lesson__title")
    date_hierarchy = "last_viewed_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
