"""PLM API: items (with explosion, where-used, cost roll-up, import), revisions, BOM lines, documents, ECR/ECO."""

from decimal import DecimalException

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from apps.core.api.renderers import DownloadRenderer
from apps.core.api.serializers import CommentSerializer, validated_query
from apps.core.api.viewsets import SuiteModelViewSet, workflow_action
from apps.core.errors import DomainError, PermissionDeniedError
from apps.core.files import download_response
from apps.core.permissions import default_company, has_company_perm
from apps.core.scoping import scope_queryset
from apps.plm import selectors
from apps.plm.api import filters
from apps.plm.api import serializers as s
from apps.plm.models import (
    BomLine,
    ChangeApprovalRule,
    ChangeOrder,
    ChangeRequest,
    Document,
    Item,
    ItemCategory,
    Revision,
)
from apps.plm.services import boms, changes, documents, imports, items


def structure_query(compute, parameter: str = "quantity"):
    """Run a structure query (explosion, roll-up) and serialize it: a number too large to compute or to represent
    answers 400 naming the query parameter that made it so, not 500."""
    try:
        return compute()
    except (DecimalException, OverflowError):
        raise DomainError(parameter, "The result is too large to compute; use a smaller quantity.",
                          code="out_of_range") from None


# a list computed from the item, not a page of records: no pagination, no list filters
LIST_ACTION = {"detail": True, "methods": ["get"], "pagination_class": None, "filter_backends": []}


class ItemCategoryViewSet(SuiteModelViewSet):
    queryset = ItemCategory.objects.all()
    serializer_class = s.ItemCategorySerializer
    search_fields = ["name"]
    ordering = ["name"]


class ItemViewSet(SuiteModelViewSet):
    """The item master; structure queries as detail actions."""

    queryset = Item.objects.select_related("uom", "category", "current_revision")
    serializer_class = s.ItemSerializer
    filterset_class = filters.ItemFilterSet
    search_fields = ["number", "name", "description"]
    ordering_fields = ["number", "name", "created_at", "updated_at", "standard_cost"]
    ordering = ["number"]
    services = {"create": items.item_create, "update": items.item_update, "delete": items.item_delete}

    obsolete = workflow_action("obsolete", items.item_obsolete, summary="Make the item obsolete")

    def item_and_quantity(self, request):
        """The item of a structure query and its validated `?quantity=`."""
        return self.get_object(), validated_query(request, s.QuantityQuerySerializer)["quantity"]

    @extend_schema(parameters=[s.QuantityQuerySerializer], responses=s.ExplosionRowSerializer(many=True),
                   summary="Multi-level indented BOM explosion")
    @action(**LIST_ACTION)
    def explode(self, request, pk=None):
        item, quantity = self.item_and_quantity(request)
        return Response(structure_query(lambda: s.ExplosionRowSerializer(
            [r.as_dict() for r in selectors.bom_explode(item=item, quantity=quantity)], many=True).data))

    @extend_schema(parameters=[s.QuantityQuerySerializer], responses=s.BomSummaryRowSerializer(many=True),
                   summary="Flattened BOM: total quantity per component")
    @action(**LIST_ACTION, url_path="bom-summary")
    def bom_summary(self, request, pk=None):
        item, quantity = self.item_and_quantity(request)
        return Response(structure_query(lambda: s.BomSummaryRowSerializer(
            selectors.bom_summary(selectors.bom_explode(item=item, quantity=quantity)), many=True).data))

    @extend_schema(responses=s.WhereUsedRowSerializer(many=True), summary="Multi-level where-used")
    @action(**LIST_ACTION, url_path="where-used")
    def where_used(self, request, pk=None):
        return Response(s.WhereUsedRowSerializer(selectors.where_used(item=self.get_object()), many=True).data)

    @extend_schema(parameters=[s.QuantityQuerySerializer], responses=s.CostRollupSerializer,
                   summary="Material cost roll-up")
    @action(detail=True, methods=["get"], url_path="cost-rollup", filter_backends=[])
    def cost_rollup(self, request, pk=None):
        item, quantity = self.item_and_quantity(request)
        return Response(structure_query(lambda: s.CostRollupSerializer(
            selectors.cost_rollup(item=item, quantity=quantity)).data))

    @extend_schema(request={"multipart/form-data": s.ItemImportInputSerializer},
                   responses={200: s.ItemImportResultSerializer}, summary="Import items from CSV/XLSX")
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_items(self, request):
        incoming = s.ItemImportInputSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        company = incoming.validated_data.get("company") or default_company(request.user, "plm.add_item")
        if not has_company_perm(request.user, "plm.add_item", company):
            raise PermissionDeniedError("company", "Your role in this company may not import items.")
        upload = incoming.validated_data["file"]
        dataset = imports.read_dataset(content=upload.read(), filename=upload.name)
        result = imports.items_import(company=company, dataset=dataset,
                                      actor=request.user, dry_run=incoming.validated_data["dry_run"])
        if result.has_errors and not result.dry_run:
            errors = [(f"rows.{r.line}.{f}", "invalid", m) for r in result.rows for f, m in r.errors.items()]
            raise DomainError(errors[0][0], "Nothing was imported: some rows are invalid.", errors=errors,
                              extra={"rows": result.as_dict()["rows"]})
        return Response(s.ItemImportResultSerializer(result.as_dict()).data, status=status.HTTP_200_OK)


class RevisionViewSet(SuiteModelViewSet):
    """Revisions and their BOM lines; released ones are read-only (edits start a new revision)."""

    queryset = Revision.objects.select_related("item").prefetch_related("bom_lines__component")
    serializer_class = s.RevisionSerializer
    filterset_class = filters.RevisionFilterSet
    search_fields = ["item__number", "code"]
    ordering_fields = ["item__number", "code", "created_at"]
    services = {"create": items.revision_create, "update": items.revision_update, "delete": items.revision_delete}

    revise = workflow_action("revise", items.revision_revise, summary="Start a new revision copied from this one")

    @extend_schema(parameters=[s.CompareQuerySerializer], responses=s.BomCompareSerializer,
                   summary="Compare the BOM with another revision")
    @action(detail=True, methods=["get"], filter_backends=[])
    def compare(self, request, pk=None):
        revision = self.get_object()
        other_id = validated_query(request, s.CompareQuerySerializer)["to"]
        other = scope_queryset(Revision.objects.all(), request.user).filter(pk=other_id).first()
        if other is None:
            raise DomainError("to", f"No revision {other_id}.")
        return Response(s.BomCompareSerializer(selectors.bom_compare(revision_a=revision, revision_b=other)).data)


class BomLineViewSet(SuiteModelViewSet):
    """BOM lines of draft revisions: create, change, delete (409 once the revision left draft)."""

    queryset = BomLine.objects.select_related("component", "uom", "revision")
    serializer_class = s.BomLineSerializer
    filterset_class = filters.BomLineFilterSet
    ordering = ["revision", "position", "id"]
    ordering_fields = ["position"]
    services = {"create": boms.bom_line_add, "update": boms.bom_line_update, "delete": boms.bom_line_delete}


class DocumentViewSet(SuiteModelViewSet):
    """Drawings and specifications (multipart upload) with SHA-256 and download."""

    queryset = Document.objects.select_related("item", "revision", "uploaded_by")
    serializer_class = s.DocumentSerializer
    filterset_class = filters.DocumentFilterSet
    search_fields = ["title", "file_name", "item__number"]
    parser_classes = [MultiPartParser]  # a document is its file: created and replaced by upload
    services = {"create": documents.document_add, "update": documents.document_update,
                "delete": documents.document_delete}

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY}, summary="Download the file (in its own type)")
    @action(detail=True, methods=["get"], renderer_classes=[DownloadRenderer], filter_backends=[])
    def download(self, request, pk=None):
        document = self.get_object()
        return download_response(document.file, document.download_name)


class ChangeRequestViewSet(SuiteModelViewSet):
    """Engineering change requests (ECR)."""

    queryset = ChangeRequest.objects.prefetch_related("affected_items")
    serializer_class = s.ChangeRequestSerializer
    filterset_class = filters.ChangeRequestFilterSet
    search_fields = ["number", "title", "reference"]
    services = {"create": changes.change_request_create, "update": changes.change_request_update}

    accept = workflow_action("accept", changes.change_request_accept, input_serializer=CommentSerializer)
    reject = workflow_action("reject", changes.change_request_reject, input_serializer=CommentSerializer)
    close = workflow_action("close", changes.change_request_close, input_serializer=CommentSerializer)


class ChangeOrderViewSet(SuiteModelViewSet):
    """Engineering change orders (ECO): submit, approve by role, reject, release, cancel."""

    queryset = ChangeOrder.objects.select_related("company").prefetch_related("revisions", "approvals__approver",
                                                                              "approvals__role")
    serializer_class = s.ChangeOrderSerializer
    filterset_class = filters.ChangeOrderFilterSet
    search_fields = ["number", "title"]
    ordering_fields = ["number", "created_at", "updated_at"]
    services = {"create": changes.change_order_create, "update": changes.change_order_update}

    submit = workflow_action("submit", changes.change_order_submit)
    approve = workflow_action("approve", changes.change_order_approve, input_serializer=CommentSerializer)
    reject = workflow_action("reject", changes.change_order_reject, input_serializer=CommentSerializer)
    release = workflow_action("release", changes.change_order_release)
    cancel = workflow_action("cancel", changes.change_order_cancel, input_serializer=CommentSerializer)

    @extend_schema(responses=s.ImpactSerializer(many=True), summary="Where-used of every affected item")
    @action(**LIST_ACTION)
    def impact(self, request, pk=None):
        return Response(s.ImpactSerializer(changes.change_order_impact(self.get_object()), many=True).data)

    def perform_destroy(self, instance):
        from apps.core.errors import ConflictError

        if instance.status != "draft":
            raise ConflictError("status", f"{instance.number} is {instance.status}; cancel it instead.")
        super().perform_destroy(instance)


class ChangeApprovalRuleViewSet(SuiteModelViewSet):
    """Per company: how many approvers of which role an ECO needs."""

    queryset = ChangeApprovalRule.objects.select_related("role")
    serializer_class = s.ChangeApprovalRuleSerializer
    filterset_fields = ["role"]
