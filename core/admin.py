"""Admin for the exam blueprint (read-mostly: the file is the source)."""

from django.contrib import admin

from core.models import Skill


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "domain", "task", "text", "active")
    list_filter = ("domain", "task", "kind", "active")
    search_fields = ("code", "text")
    ordering = ("position",)
