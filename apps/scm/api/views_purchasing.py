"""API of purchasing, receipts, replenishment and shipments (API.md: scm/purchase-orders/ …)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.renderers import PDFRenderer
from apps.core.api.serializers import CommentSerializer, validated_query
from apps.core.api.viewsets import SuiteModelViewSet, workflow_action
from apps.core.http import pdf_response
from apps.core.models import Party
from apps.scm.api import filters_purchasing as filters
from apps.scm.api import serializers_purchasing as s
from apps.scm.models import GoodsReceipt, PurchaseOrder, PurchaseRequisition, ReorderRule, Shipment, SupplierItem
from apps.scm.pdf import delivery_note_pdf, purchase_order_pdf
from apps.scm.selectors_purchasing import supplier_performance
from apps.scm.services import purchasing, receipts, replenishment, shipments, suppliers


class SupplierItemViewSet(SuiteModelViewSet):
    """What each supplier sells: part number, currency, lead time, minimum order, price breaks."""

    queryset = SupplierItem.objects.select_related("supplier", "item", "currency").prefetch_related("price_breaks")
    serializer_class = s.SupplierItemSerializer
    filterset_class = filters.SupplierItemFilterSet
    search_fields = ["supplier_part_number", "item__number", "item__name", "supplier__name"]
    ordering_fields = ["lead_time_days", "created_at", "updated_at"]
    services = {"create": suppliers.supplier_item_create, "update": suppliers.supplier_item_update,
                "delete": suppliers.supplier_item_delete}

    @extend_schema(responses=s.SupplierPerformanceSerializer, parameters=[s.SupplierPerformanceQuerySerializer],
                   summary="Supplier performance from posted receipts")
    @action(detail=False, methods=["get"], url_path="performance", filter_backends=[], pagination_class=None)
    def performance(self, request):
        from django.shortcuts import get_object_or_404

        from apps.core.scoping import scope_queryset

        query = validated_query(request, s.SupplierPerformanceQuerySerializer)
        supplier = get_object_or_404(scope_queryset(Party.objects.filter(is_supplier=True), request.user),
                                     pk=query["supplier"])
        data = supplier_performance(supplier=supplier, date_from=query.get("date_from"),
                                    date_to=query.get("date_to"))
        return Response(s.SupplierPerformanceSerializer(data).data)


class PurchaseRequisitionViewSet(SuiteModelViewSet):
    """Requests to buy, from people, replenishment or MRP; `order` turns one into a draft PO."""

    queryset = PurchaseRequisition.objects.select_related("purchase_order_line")
    serializer_class = s.PurchaseRequisitionSerializer
    filterset_class = filters.PurchaseRequisitionFilterSet
    search_fields = ["number", "item__number", "reference"]
    ordering_fields = ["number", "needed_by", "created_at", "updated_at"]
    services = {"create": purchasing.requisition_create, "update": purchasing.requisition_update}

    order = workflow_action("order", purchasing.requisition_order, summary="Create a draft purchase order")
    cancel = workflow_action("cancel", purchasing.requisition_cancel)


class PurchaseOrderViewSet(SuiteModelViewSet):
    """Purchase orders: lines, prices from price breaks, approval above the company's threshold."""

    queryset = PurchaseOrder.objects.select_related("currency").prefetch_related("lines__item")
    serializer_class = s.PurchaseOrderSerializer
    filterset_class = filters.PurchaseOrderFilterSet
    search_fields = ["number", "supplier__name", "notes"]
    ordering_fields = ["number", "order_date", "total", "created_at", "updated_at"]
    services = {"create": purchasing.purchase_order_create, "update": purchasing.purchase_order_update,
                "delete": purchasing.purchase_order_delete}

    approve = workflow_action("approve", purchasing.purchase_order_approve, input_serializer=CommentSerializer)
    send = workflow_action("send", purchasing.purchase_order_send)
    cancel = workflow_action("cancel", purchasing.purchase_order_cancel)
    close = workflow_action("close", purchasing.purchase_order_close)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}, summary="The purchase order as a PDF")
    @action(detail=True, methods=["get"], url_path="pdf", renderer_classes=[PDFRenderer], filter_backends=[])
    def pdf(self, request, pk=None):
        order = self.get_object()
        return pdf_response(purchase_order_pdf(order), f"{order.number}.pdf")


class GoodsReceiptViewSet(SuiteModelViewSet):
    """Goods received against purchase orders; `post` puts them into stock (once)."""

    queryset = GoodsReceipt.objects.select_related("purchase_order").prefetch_related(
        "lines__purchase_order_line")
    serializer_class = s.GoodsReceiptSerializer
    filterset_class = filters.GoodsReceiptFilterSet
    search_fields = ["number", "purchase_order__number", "delivery_note"]
    ordering_fields = ["number", "received_on", "created_at", "updated_at"]
    services = {"create": receipts.goods_receipt_create, "update": receipts.goods_receipt_update}

    post = workflow_action("post", receipts.goods_receipt_post, summary="Post the receipt into stock")
    cancel = workflow_action("cancel", receipts.goods_receipt_cancel)


class ReorderRuleViewSet(SuiteModelViewSet):
    """Min/max/multiple per item and warehouse; `run` proposes requisitions now."""

    queryset = ReorderRule.objects.select_related("item", "warehouse")
    serializer_class = s.ReorderRuleSerializer
    filterset_class = filters.ReorderRuleFilterSet
    search_fields = ["item__number", "item__name", "warehouse__code"]
    ordering_fields = ["min_quantity", "max_quantity", "created_at", "updated_at"]
    services = {"create": replenishment.reorder_rule_create, "update": replenishment.reorder_rule_update,
                "delete": replenishment.reorder_rule_delete}

    @extend_schema(request=None, responses=s.ReplenishmentRunSerializer,
                   summary="Run replenishment now for your company")
    @action(detail=False, methods=["post"], url_path="run")
    def run(self, request):
        from apps.core.models import Company
        from apps.core.permissions import companies_with_perm

        proposed = []
        # in every company whose role lets the user change reorder rules (the permission this action needs)
        for company in Company.objects.filter(pk__in=companies_with_perm(request.user, "scm.change_reorderrule")):
            proposed += replenishment.replenishment_run(company=company, actor=request.user)
        return Response({"proposed": s.PurchaseRequisitionSerializer(proposed, many=True,
                                                                     context=self.get_serializer_context()).data})


class ShipmentViewSet(SuiteModelViewSet):
    """Deliveries to customers: `reserve`, `pick` (scans), `pack`, `ship`, `cancel`; a delivery-note PDF."""

    queryset = Shipment.objects.select_related("customer", "warehouse").prefetch_related(
        "lines__item", "lines__allocations__location", "lines__allocations__lot")
    serializer_class = s.ShipmentSerializer
    filterset_class = filters.ShipmentFilterSet
    search_fields = ["number", "sales_order_number", "customer__name", "tracking_number"]
    ordering_fields = ["number", "planned_date", "created_at", "updated_at"]
    services = {"create": shipments.shipment_create, "update": shipments.shipment_update}

    reserve = workflow_action("reserve", shipments.shipment_reserve, summary="Reserve stock for the lines")
    reserve_shortage = workflow_action("reserve_shortage", shipments.shipment_reserve_shortage,
                                       summary="Reserve what is still short from the stock now available")
    pick = workflow_action("pick", shipments.shipment_pick, input_serializer=s.ShipmentPickSerializer,
                           summary="Confirm a pick (item or lot, location, quantity)")
    pack = workflow_action("pack", shipments.shipment_pack, input_serializer=s.ShipmentPackSerializer)
    ship = workflow_action("ship", shipments.shipment_ship, input_serializer=s.ShipmentShipSerializer,
                           summary="Ship: stock to the customer, backorder for the rest")
    cancel = workflow_action("cancel", shipments.shipment_cancel)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}, summary="The delivery note as a PDF")
    @action(detail=True, methods=["get"], url_path="delivery-note", renderer_classes=[PDFRenderer],
            filter_backends=[])
    def delivery_note(self, request, pk=None):
        shipment = self.get_object()
        return pdf_response(delivery_note_pdf(shipment), f"{shipment.number}.pdf")
