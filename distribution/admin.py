"""The address book: recipient units and reusable groups."""

from django.contrib import admin

from distribution.models import Recipient, RecipientGroup


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ["name", "default_role", "sort_order", "email", "is_active"]
    list_filter = ["default_role", "is_active"]
    list_editable = ["sort_order"]
    search_fields = ["name"]
    filter_horizontal = ["members"]


@admin.register(RecipientGroup)
class RecipientGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]
    search_fields = ["name"]
    autocomplete_fields = ["members"]
