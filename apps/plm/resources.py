"""The PLM screens, declared as Resources (list, detail, forms, workflow buttons)."""


import django_filters

from apps.core.permissions import has_company_perm
from apps.core.ui.resource import Action, Inline, KanbanSpec, Related, Resource
from apps.core.ui.widgets import PickerMultipleWidget, PickerWidget
from apps.plm.choices import ChangeOrderStatus, RevisionStatus
from apps.plm.forms import CommentForm, DocumentForm, RequiredCommentForm, active_item_picker, item_defaults
from apps.plm.models import ChangeApprovalRule, ChangeOrder, ChangeRequest, Document, Item, ItemCategory, Revision
from apps.plm.services import changes, documents, items


class ItemResource(Resource):
    model = Item
    namespace = "plm"
    list_fields = ["number", "name", "item_type", "uom", "lifecycle_state", "current_revision", "standard_cost"]
    filter_fields = ["item_type", "lifecycle_state", "tracking", "category"]
    search_fields = ["number", "name", "description"]
    form_fields = ["number", "name", "description", "item_type", "uom", "tracking", "category", "standard_cost"]
    detail_fields = [*form_fields, "lifecycle_state", "current_revision"]
    services = {"create": items.item_create, "update": items.item_update}
    actions = {
        "new_revision": Action(lambda *, item, actor: items.revision_create(item=item, actor=actor),
                               label="New revision", style="outline-primary", message="{result} started."),
        "obsolete": Action(items.item_obsolete, label="Make obsolete", style="outline-danger"),
    }
    select_related = ["uom", "current_revision", "category"]
    detail_template = "plm/item_detail.html"
    list_template = "plm/item_list.html"
    ordering = ["number"]

    @classmethod
    def visible_actions(cls, obj, user):
        if not has_company_perm(user, "plm.change_item", obj) or obj.lifecycle_state == "obsolete":
            return []
        verbs = ["obsolete"]
        if not obj.revisions.filter(status__in=["draft", "in_review"]).exists():
            verbs.insert(0, "new_revision")
        return [(v, cls.actions[v]) for v in verbs]


class RevisionResource(Resource):
    """A revision and its BOM; the edit form is the BOM editor (inline lines)."""

    model = Revision
    namespace = "plm"
    list_fields = ["item", "code", "status", "effective_from", "released_at"]
    filter_fields = ["status"]
    search_fields = ["item__number", "item__name", "code"]
    form_fields = ["effective_from", "notes"]
    detail_fields = ["item", "code", "status", "effective_from", "released_at", "copied_from", "notes"]
    inlines = [Inline("bom_lines", ["position", "component", "quantity", "uom", "scrap_percent",
                                    "reference_designators"], label="BOM lines", extra=3,
                      widgets={"component": active_item_picker(defaults=item_defaults("component", uom="uom")),
                               "uom": PickerWidget(default_hint="the component's unit")},
                      on_detail=False)]  # revision_detail.html lists them with their components linked
    related = [Related("Change orders", "change_orders", ["number", "title", "status"])]  # documents: own card
    services = {"update": items.revision_update}
    actions = {"revise": Action(items.revision_revise, label="Revise (new revision)", style="outline-primary",
                                message="{result} started from {object}.")}
    can_create = False
    select_related = ["item", "copied_from"]
    detail_template = "plm/revision_detail.html"

    @classmethod
    def visible_actions(cls, obj, user):
        if not has_company_perm(user, "plm.add_revision", obj) or obj.item.lifecycle_state == "obsolete":
            return []
        if obj.item.revisions.filter(status__in=["draft", "in_review"]).exists():
            return []
        return list(cls.actions.items())


class DocumentResource(Resource):
    model = Document
    namespace = "plm"
    list_fields = ["title", "version", "item", "revision", "file_name", "checksum", "created_at"]
    filter_fields = ["item"]
    search_fields = ["title", "file_name", "item__number"]
    detail_fields = ["title", "version", "item", "revision", "file_name", "size", "checksum", "uploaded_by",
                     "created_at"]
    form_class = DocumentForm
    services = {"create": documents.document_add}
    can_edit = False  # a new version: the replace screen (plm:document_replace); removal: plm:document_delete
    select_related = ["item", "revision"]
    detail_template = "plm/document_detail.html"

    @classmethod
    def detail_context(cls, obj) -> dict:
        return {"frozen_reason": documents.document_frozen_reason(obj)}


class ChangeRequestResource(Resource):
    model = ChangeRequest
    namespace = "plm"
    title, title_plural = "Change request", "Change requests"
    list_fields = ["number", "title", "status", "source", "reference", "created_at"]
    filter_fields = ["status", "source"]
    search_fields = ["number", "title", "reference"]
    form_fields = ["title", "problem", "affected_items", "reference"]
    detail_fields = ["number", "title", "problem", "status", "source", "reference", "requested_by"]
    related = [Related("Affected items", "affected_items", ["number", "name", "lifecycle_state"]),
               Related("Change orders", "change_orders", ["number", "title", "status"])]
    services = {"create": changes.change_request_create, "update": changes.change_request_update}
    actions = {"accept": Action(changes.change_request_accept, style="success"),
               "reject": Action(changes.change_request_reject, style="danger"),
               "close": Action(changes.change_request_close, style="secondary")}


class ChangeOrderFilterSet(django_filters.FilterSet):
    """Status, and "waiting for my approval": submitted ECOs the user's role in the company still has to approve
    (not approved by them yet, their role's approvals not complete)."""

    awaiting_me = django_filters.BooleanFilter(method="filter_awaiting_me", label="Waiting for my approval")

    class Meta:
        model = ChangeOrder
        fields = ["status"]

    def filter_awaiting_me(self, queryset, name, value):
        if value is None:
            return queryset
        user, cache = self.request.user, {}
        # few ECOs are submitted at a time: the approval rules are read once per company through the cache
        submitted = queryset.filter(status=ChangeOrderStatus.SUBMITTED).select_related("company")
        mine = [o.pk for o in submitted if changes.approval_refusal(o, user, cache=cache) is None]
        return queryset.filter(pk__in=mine) if value else queryset.exclude(pk__in=mine)


class ChangeOrderResource(Resource):
    model = ChangeOrder
    namespace = "plm"
    title, title_plural = "Change order", "Change orders"
    list_fields = ["number", "title", "status", "submitted_at", "released_at"]
    filterset_class = ChangeOrderFilterSet
    search_fields = ["number", "title"]
    form_fields = ["title", "reason", "revisions", "change_request"]
    widgets = {"revisions": PickerMultipleWidget(filter={"status": RevisionStatus.DRAFT})}  # the ones an ECO releases
    detail_fields = ["number", "title", "reason", "status", "change_request", "submitted_at", "approved_at",
                     "released_at", "released_by"]
    related = [Related("Revisions on this order", "revisions", ["item", "code", "status", "effective_from"])]
    services = {"create": changes.change_order_create, "update": changes.change_order_update}
    actions = {
        "submit": Action(changes.change_order_submit, label="Submit for approval"),
        "approve": Action(changes.change_order_approve, form_class=CommentForm, style="success"),
        "reject": Action(changes.change_order_reject, form_class=RequiredCommentForm, style="danger"),
        "release": Action(changes.change_order_release, style="success"),
        "cancel": Action(changes.change_order_cancel, style="outline-secondary"),
    }
    detail_template = "plm/changeorder_detail.html"
    kanban = KanbanSpec(columns=["draft", "submitted", "approved", "released"],
                        card_fields=["submitted_at"], ordering=["-id"])

    @classmethod
    def visible_actions(cls, obj, user):
        verbs = changes.change_order_verbs(obj, user)
        return [(verb, action) for verb, action in cls.actions.items() if verb in verbs]


class ChangeApprovalRuleResource(Resource):
    model = ChangeApprovalRule
    namespace = "plm"
    title, title_plural = "Approval rule", "ECO approval rules"
    list_fields = ["role", "required_count"]
    form_fields = ["role", "required_count"]
    select_related = ["role"]


class ItemCategoryResource(Resource):
    model = ItemCategory
    namespace = "plm"
    list_fields = ["name"]
    form_fields = ["name"]
    search_fields = ["name"]
