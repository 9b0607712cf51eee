"""Browser views of sales orders beyond the generic Resource pages: the order acknowledgement PDF."""

from django.shortcuts import get_object_or_404

from apps.core.http import pdf_response
from apps.core.scoping import scope_to_active_company
from apps.core.ui.views import role_required
from apps.erp.models import SalesOrder
from apps.erp.pdf import sales_order_pdf


@role_required("erp.view_salesorder")
def sales_order_pdf_view(request, pk: int):
    """The order acknowledgement of a sales order of the active company (404 for another company's)."""
    order = get_object_or_404(scope_to_active_company(SalesOrder.objects.select_related("customer", "currency"),
                                                      request), pk=pk)
    return pdf_response(sales_order_pdf(order), f"{order.number}.pdf")
