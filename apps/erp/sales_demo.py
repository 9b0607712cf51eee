"""ERP demo data (sales orders): the accepted demo quote's draft order, and a confirmed phone order."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.core.models import Event, Party
from apps.erp.models import SalesOrder
from apps.erp.services.sales import sales_order_confirm, sales_order_create, sales_order_from_quote_event
from apps.plm.models import Item
from apps.scm.models import Warehouse

D = Decimal
PHONE_ORDER = "Ordered by phone."


def seed(*, company, other_company, users) -> None:
    """Called by `seed_demo`: the sales orders of the demo company (once)."""
    sales = users.get("sales") or users["admin"]
    # ERP's handler made the accepted quote's order when seed_demo delivered `crm.quote.accepted`; this finds it
    # (one order per quote) if the event was not delivered
    accepted = Event.objects.filter(company=company, name="crm.quote.accepted").order_by("id").first()
    if accepted is not None:
        sales_order_from_quote_event(event=accepted, actor=sales)
    if SalesOrder.objects.filter(company=company, quote__isnull=True, notes=PHONE_ORDER).exists():
        return
    items = list(Item.objects.filter(company=company, current_revision__status="released",
                                     lifecycle_state="released").order_by("number")[:2])
    customer = (Party.objects.filter(company=company, is_customer=True).exclude(crm_profile__credit_limit__lt=10_000)
                .order_by("number").first())
    if not items or customer is None:
        return
    today = timezone.localdate()
    order = sales_order_create(
        company=company, actor=sales, customer=customer, requested_delivery_date=today + datetime.timedelta(days=14),
        warehouse=Warehouse.objects.filter(company=company, is_active=True).order_by("code").first(),
        notes=PHONE_ORDER, lines=[
            {"item": item, "quantity": D(2 + index), "unit_price": D("149.00") + index * 100, "tax_rate": D("19")}
            for index, item in enumerate(items)])
    sales_order_confirm(sales_order=order, actor=sales)
