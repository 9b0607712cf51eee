"""core's browser screens, declared as Resources."""

from django import forms
from django.contrib.auth.models import Group
from django.db.models import Count, Q

from apps.core.choices import DeliveryStatus
from apps.core.models import Company, Currency, Event, EventDelivery, ExchangeRate, Membership, Party, UnitOfMeasure
from apps.core.permissions import has_company_perm
from apps.core.scoping import scope_to_active_company
from apps.core.services.companies import membership_add, membership_remove, membership_update
from apps.core.services.events import event_replay
from apps.core.services.parties import party_create, party_update
from apps.core.ui.resource import Action, Inline, Related, Resource


class PartyResource(Resource):
    model = Party
    list_fields = ["number", "name", "kind", "is_customer", "is_supplier", "email", "phone"]
    filter_fields = ["kind", "is_customer", "is_supplier"]
    search_fields = ["number", "name", "email", "tax_id"]
    form_fields = ["name", "kind", "is_customer", "is_supplier", "email", "phone", "tax_id", "currency",
                   "payment_terms_days", "notes"]
    detail_fields = ["number", *form_fields]
    inlines = [Inline("addresses", ["kind", "street", "city", "postal_code", "country"]),
               Inline("contacts", ["name", "role", "email", "phone"])]
    services = {"create": party_create, "update": party_update}
    ordering = ["name"]


class CustomerResource(PartyResource):
    name = "customer"
    title, title_plural = "Customer", "Customers"
    filter_fields = ["kind"]

    @classmethod
    def base_queryset(cls, request):
        return super().base_queryset(request).filter(is_customer=True)

    @classmethod
    def detail_url(cls, obj) -> str:
        return PartyResource.detail_url(obj)


class SupplierResource(CustomerResource):
    name = "supplier"
    title, title_plural = "Supplier", "Suppliers"

    @classmethod
    def base_queryset(cls, request):
        return Party.objects.filter(is_supplier=True)


class CompanyResource(Resource):
    model = Company
    list_fields = ["code", "name", "currency"]
    search_fields = ["code", "name"]
    form_fields = ["name", "currency"]
    can_create = False
    related = [Related("Members", "memberships", ["user", "role"])]


class CurrencyResource(Resource):
    model = Currency
    list_fields = ["code", "name", "decimals"]
    search_fields = ["code", "name"]
    form_fields = ["code", "name", "decimals"]


class ExchangeRateResource(Resource):
    model = ExchangeRate
    list_fields = ["date", "base", "quote", "rate"]
    filter_fields = ["base", "quote"]
    form_fields = ["base", "quote", "date", "rate"]
    select_related = ["base", "quote"]


class UnitResource(Resource):
    model = UnitOfMeasure
    name = "uom"
    list_fields = ["code", "name", "category", "factor"]
    filter_fields = ["category"]
    search_fields = ["code", "name"]
    form_fields = ["code", "name", "category", "factor"]
    select_related = ["category"]


class EventResource(Resource):
    """The flow monitor: events, their deliveries per handler, and replay."""

    model = Event
    title_plural = "Flow monitor"
    list_fields = ["id", "name", "subject_type", "subject_id", "created_at"]
    search_fields = ["name", "subject_id"]
    detail_fields = ["name", "subject_type", "subject_id", "payload", "created_at"]
    actions = {"replay": Action(event_replay, label="Replay", style="warning")}
    can_create = can_edit = False
    list_template = "core/events/list.html"
    detail_template = "core/events/detail.html"  # per delivery, its status and every attempt

    @classmethod
    def detail_context(cls, obj) -> dict:
        return {"deliveries": obj.deliveries.prefetch_related("attempts_log")}

    @classmethod
    def list_context(cls, request) -> dict:
        """The flow monitor's counters: deliveries of the active company's events by status (one query)."""
        deliveries = EventDelivery.objects.filter(event__in=scope_to_active_company(Event.objects.all(), request))
        from apps.core.monitor import monitor_panels

        return {"delivery_counts": deliveries.aggregate(
            pending=Count("id", filter=Q(status=DeliveryStatus.PENDING)),
            dead=Count("id", filter=Q(status=DeliveryStatus.DEAD)),
            done=Count("id", filter=Q(status=DeliveryStatus.DONE))),
            "monitor_panels": monitor_panels(request)}

    @classmethod
    def get_filterset_class(cls):
        from apps.core.api.core_filters import EventFilterSet

        return EventFilterSet

    @classmethod
    def visible_actions(cls, obj, user):
        if not has_company_perm(user, "core.change_event", obj):
            return []
        if obj.deliveries.exclude(status=DeliveryStatus.DONE).exists():
            return list(cls.actions.items())
        return []


class MembershipForm(forms.ModelForm):
    """Add a user to the active company with a role: an existing account by name, or a new one with a password."""

    username = forms.CharField(max_length=150, help_text="An existing user's name, or the new account's.")
    email = forms.EmailField(required=False, help_text="For a new account.")
    password = forms.CharField(widget=forms.PasswordInput, min_length=8, required=False,
                               help_text="Only for a new account (at least 8 characters).")
    role = forms.ModelChoiceField(queryset=Group.objects.order_by("name"))

    class Meta:
        model = Membership
        fields = ["role"]


class MembershipRoleForm(forms.ModelForm):
    """Change a member's role in the active company."""

    class Meta:
        model = Membership
        fields = ["role"]


def _membership_create(*, actor, company, username: str, role, password: str = "", email: str = "") -> Membership:
    return membership_add(company=company, username=username, role=role, actor=actor, password=password,
                          email=email)


class MembershipResource(Resource):
    """Users and roles of the active company; only its Admin role adds, changes or removes members."""

    model = Membership
    title_plural = "Users and roles"
    list_fields = ["user", "role", "created_at"]
    filter_fields = ["role"]
    search_fields = ["user__username", "user__email"]
    detail_fields = ["user", "company", "role", "created_at"]
    form_class = MembershipForm
    select_related = ["user", "role"]
    services = {"create": _membership_create, "update": membership_update}
    actions = {"remove": Action(membership_remove, label="Remove from company", style="outline-danger",
                                permission="core.delete_membership",
                                confirm="Remove this user from the company? Their role here ends now.")}

    @classmethod
    def get_form_class(cls):
        return MembershipForm

    @classmethod
    def edit_form_class(cls):
        return MembershipRoleForm
