"""Every core model in the Django admin; actions call services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from apps.core import models as m
from apps.core.admin_base import ReadOnlyAdmin, SuiteModelAdmin
from apps.core.errors import DomainError
from apps.core.services.companies import membership_remove, membership_set
from apps.core.services.events import event_replay


class AddressInline(admin.TabularInline):
    model = m.PartyAddress
    extra = 0


class ContactInline(admin.TabularInline):
    model = m.ContactPerson
    extra = 0


@admin.register(m.Company)
class CompanyAdmin(SuiteModelAdmin):
    list_display = ["code", "name", "currency"]
    search_fields = ["code", "name"]


@admin.register(m.Membership)
class MembershipAdmin(SuiteModelAdmin):
    """Memberships change only through the services: the company's Admin role decides, the last Admin stays."""

    list_display = ["user", "company", "role"]
    list_filter = ["company", "role"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "company"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        try:
            saved = membership_set(company=obj.company, user=obj.user, role=obj.role, actor=request.user)
        except DomainError as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        try:
            membership_remove(membership=obj, actor=request.user)
        except DomainError as exc:
            raise PermissionDenied(str(exc)) from exc

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            self.delete_model(request, membership)


@admin.register(m.Party)
class PartyAdmin(SuiteModelAdmin):
    list_display = ["number", "name", "kind", "is_customer", "is_supplier", "company"]
    list_filter = ["kind", "is_customer", "is_supplier", "company"]
    search_fields = ["number", "name", "email"]
    readonly_fields = ["number"]
    inlines = [AddressInline, ContactInline]


@admin.register(m.Currency)
class CurrencyAdmin(SuiteModelAdmin):
    list_display = ["code", "name", "decimals"]


@admin.register(m.ExchangeRate)
class ExchangeRateAdmin(SuiteModelAdmin):
    list_display = ["date", "company", "base", "quote", "rate"]
    list_filter = ["company", "base", "quote"]


@admin.register(m.UomCategory)
class UomCategoryAdmin(SuiteModelAdmin):
    list_display = ["name"]


@admin.register(m.UnitOfMeasure)
class UnitOfMeasureAdmin(SuiteModelAdmin):
    list_display = ["code", "name", "category", "factor"]
    list_filter = ["category"]


class DeliveryInline(admin.TabularInline):
    model = m.EventDelivery
    extra = 0
    can_delete = False
    show_change_link = True  # the delivery's page lists its attempts
    readonly_fields = ["handler", "status", "attempts", "last_error", "next_attempt_at", "delivered_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "company", "subject_type", "subject_id", "created_at"]
    list_filter = ["name", "deliveries__status"]
    search_fields = ["name", "subject_id"]
    inlines = [DeliveryInline]
    actions = ["replay"]

    @admin.action(description="Replay dead or pending deliveries", permissions=["view"])
    def replay(self, request, queryset):
        for event in queryset:
            try:
                event_replay(event=event, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{event}: {exc}", messages.WARNING)
            else:
                self.message_user(request, f"{event}: replayed.", messages.SUCCESS)


class AttemptInline(admin.TabularInline):
    model = m.DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ["number", "started_at", "finished_at", "duration_ms", "outcome", "error"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.EventDelivery)
class EventDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event", "handler", "status", "attempts", "delivered_at"]
    list_filter = ["status", "handler"]
    inlines = [AttemptInline]


@admin.register(m.DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "delivery", "number", "outcome", "duration_ms"]
    list_filter = ["outcome"]
    list_select_related = ["delivery__event"]


@admin.register(m.AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "object_id"]


@admin.register(m.Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "author", "content_type", "object_id"]


@admin.register(m.Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "name", "size", "sha256", "uploaded_by"]


@admin.register(m.IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "key", "method", "path", "status_code"]
