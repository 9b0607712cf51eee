"""Demo data for CRM: the pipeline, customer profiles, price lists, a few leads (one duplicate pair), about
fifteen opportunities across the stages, three quotes (one accepted), two service cases, activities and targets.

The e-bike range's customers, price list, pipeline and open quotes: `demo_customers`.

Idempotent: it runs once per company (a second run finds the opportunities and changes nothing).
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.models import Party
from apps.crm.models import Lead, Opportunity, SalesSettings, SalesTarget, Segment
from apps.crm.services.activities import activity_create
from apps.crm.services.cases import case_create, case_resolve, case_start
from apps.crm.services.customers import (
    address_ensure,
    contact_ensure,
    customer_profile_ensure,
    customer_profile_update,
    segment_create,
)
from apps.crm.services.leads import lead_contact, lead_create, lead_qualify
from apps.crm.services.pipeline import opportunity_create, opportunity_lose, opportunity_win, pipeline_stages_ensure
from apps.crm.services.quotes import price_list_create, quote_accept, quote_create, quote_send
from apps.plm.models import Item
from apps.scm.models import Lot

D = Decimal
LEADS = [
    ("Hanna Berg", "Berg Landtechnik GmbH", "h.berg@berg-landtechnik.example", "trade_show"),
    ("Tom Fisher", "Fisher Farms", "tom@fisherfarms.example", "web"),
    ("Tom Fisher", "Fisher Farms Ltd.", "TOM@fisherfarms.example", "referral"),  # the duplicate of the one above
    ("Ana Ruiz", "Ruiz Jardinería SL", "ana@ruiz.example", "cold_call"),
    ("Pieter de Vries", "", "pieter@devries.example", "web"),
]
# customer, title, amount, stage, days to the expected close
OPPORTUNITIES = [
    ("Acme Tractors Ltd", "Spring fleet: 20 garden tractors", "46000", "Negotiation", 20),
    ("Acme Tractors Ltd", "Spare drive units", "9800", "Proposal", 35),
    ("Acme Tractors Ltd", "Service contract 2027", "12000", "Qualification", 80),
    ("Nordic Wind Systems", "Gearboxes for the test rig", "15500", "Proposal", 15),
    ("Nordic Wind Systems", "Shaft retrofit", "4200", "Prospecting", 60),
    ("Nordic Wind Systems", "Motor upgrade kit", "18000", "Qualification", 45),
    ("Fastener Depot", "Bolt framework agreement", "7500", "Negotiation", 10),
    ("Fastener Depot", "Private label tractors", "69000", "Prospecting", 120),
    ("Acme Tractors Ltd", "Dealer demo units", "11000", "Prospecting", 90),
    ("Nordic Wind Systems", "Gear set for prototype", "2600", "Proposal", 25),
    ("Fastener Depot", "Chassis kits", "13200", "Qualification", 70),
    ("Acme Tractors Ltd", "Autumn tractors", "23000", "Negotiation", 50),
]
PRICES = [("TR-100", "0", "2450.00"), ("TR-100", "10", "2300.00"), ("DRV-200", "0", "980.00"),
          ("GBX-310", "0", "410.00"), ("GR-311", "0", "21.50"), ("GR-311", "50", "19.90"), ("BLT-500", "0", "0.35"),
          ("MTR-300", "0", "260.00"), ("SH-312", "0", "14.00"), ("CH-400", "0", "640.00")]


def _day(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _customers(company, users) -> dict[str, Party]:
    sales = users.get("sales") or users["admin"]
    dealers = segment_create(company=company, actor=sales, name="Dealers", description="Resellers of our tractors.")
    segment_create(company=company, actor=sales, name="OEM", description="Build our units into their machines.")
    customers = {p.name: p for p in Party.objects.filter(company=company, is_customer=True)}
    details = {
        "Acme Tractors Ltd": (dealers, "Agricultural machinery", "60000.00", ("12 Harvest Road", "Leeds", "LS1 4AB",
                                                                             "GB"), ("Jane Miller", "Buyer")),
        "Nordic Wind Systems": (None, "Wind energy", "25000.00", ("Vindveien 8", "Bergen", "5003", "NO"),
                                ("Lars Eik", "Head of engineering")),
        "Fastener Depot": (dealers, "Wholesale", "15000.00", ("4 Dock Street", "Rotterdam", "3011", "NL"),
                           ("Mia Janssen", "Purchasing")),
    }
    for name, (segment, industry, limit, address, contact) in details.items():
        party = customers.get(name)
        if party is None:
            continue
        profile = customer_profile_ensure(party=party, actor=sales, owner=sales)
        customer_profile_update(instance=profile, actor=sales, segment=segment, industry=industry,
                                credit_limit=D(limit))
        street, city, postal_code, country = address
        address_ensure(party=party, actor=sales, street=street, city=city, postal_code=postal_code, country=country)
        contact_ensure(party=party, actor=sales, name=contact[0], role=contact[1],
                       email=f"{contact[0].split()[0].lower()}@{party.email.split('@')[-1]}")
    return customers


def _prices(company, users, items) -> None:
    sales = users.get("sales") or users["admin"]
    breaks = [{"item": items[number], "min_quantity": D(q), "unit_price": D(p)} for number, q, p in PRICES
              if number in items]
    price_list_create(company=company, actor=sales, name="General EUR", currency=company.currency, breaks=breaks)
    if "TR-100" in items:
        price_list_create(company=company, actor=sales, name="Dealers EUR", currency=company.currency,
                          segment=Segment.objects.get(company=company, name="Dealers"),
                          breaks=[{"item": items["TR-100"], "min_quantity": D(0), "unit_price": D("2200.00")}])


def seed(*, company, other_company, users) -> None:
    """Called by `seed_demo`: the tractor's pipeline, then the e-bike customers and pipeline (`demo_customers`)."""
    seed_pipeline(company=company, other_company=other_company, users=users)
    from apps.crm.demo_customers import seed_customers

    seed_customers(company=company, users=users)


@transaction.atomic
def seed_pipeline(*, company, other_company, users) -> None:
    """The CRM demo data of the tractor (once)."""
    if Opportunity.objects.filter(company=company).exists():
        return
    admin = users["admin"]
    sales = users.get("sales") or admin
    stages = {s.name: s for s in pipeline_stages_ensure(company=company)}
    if not SalesSettings.objects.filter(company=company).exists():
        SalesSettings.objects.create(
            company=company, letterhead_address="Industriestrasse 1\n70173 Stuttgart\nGermany",
            quote_terms="Payment 30 days net. Delivery ex works Stuttgart (Incoterms 2020 EXW). Prices exclude "
                        "shipping.", quote_validity_days=30, default_tax_rate=D("19.00"))
    customers = _customers(company, users)
    items = {i.number: i for i in Item.objects.filter(company=company, current_revision__status="released")}
    _prices(company, users, items)

    leads = [lead_create(company=company, actor=sales, name=name, company_name=firm, email=email, source=source)
             for name, firm, email, source in LEADS]
    lead_contact(lead=leads[0], actor=sales)
    lead_qualify(lead=leads[0], actor=sales, title="Berg: 5 tractors for the rental fleet", amount=D("12250"),
                 expected_close=_day(40))

    opportunities = []
    for name, title, amount, stage, days in OPPORTUNITIES:
        if name in customers:
            opportunities.append(opportunity_create(
                company=company, actor=sales, customer=customers[name], title=title, amount=D(amount),
                stage=stages[stage], expected_close=_day(days), owner=sales))
    if len(opportunities) >= 3:
        opportunity_win(opportunity=opportunities[6], actor=sales)
        opportunity_lose(opportunity=opportunities[4], actor=sales, lost_reason="Went with a local supplier.")

    acme = customers.get("Acme Tractors Ltd")
    if acme and {"TR-100", "DRV-200", "GR-311"} <= set(items):
        fleet = opportunities[0]
        quote_create(company=company, actor=sales, customer=acme, opportunity=opportunities[1],
                             lines=[{"item": items["DRV-200"], "quantity": D(10), "discount_percent": D(5)}])
        sent = quote_create(company=company, actor=sales, customer=acme, opportunity=fleet,
                            lines=[{"item": items["TR-100"], "quantity": D(20), "discount_percent": D("2.5")}])
        quote_send(quote=sent, actor=sales)
        spares = opportunity_create(company=company, actor=sales, customer=acme, title="Gear spares",
                                    amount=D("1075"), stage=stages["Proposal"], expected_close=_day(5), owner=sales)
        accepted = quote_create(company=company, actor=sales, customer=acme, opportunity=spares,
                                lines=[{"item": items["GR-311"], "quantity": D(50)}])
        quote_send(quote=accepted, actor=sales)
        quote_accept(quote=accepted, actor=sales)

    lot = Lot.objects.filter(company=company, item__number="MTR-300").first()
    if acme:
        urgent = case_create(company=company, actor=sales, customer=acme, subject="Tractor stops under load",
                             description="Two units of the spring delivery stop when climbing.", priority="urgent",
                             item=lot.item if lot else items.get("TR-100"), lot=lot)
        case_start(case=urgent, actor=sales)
    nordic = customers.get("Nordic Wind Systems")
    if nordic:
        question = case_create(company=company, actor=sales, customer=nordic, subject="Lubrication interval",
                               priority="low", item=items.get("GBX-310"))
        case_resolve(case=question, actor=sales, resolution="Sent the maintenance manual, page 14.")

    now = timezone.now()
    for subject, kind, hours, target in [
        ("Call Jane about the fleet order", "call", -26, opportunities[0] if opportunities else None),
        ("Send the gearbox drawings", "email", 4, opportunities[3] if len(opportunities) > 3 else None),
        ("Visit Fastener Depot", "meeting", 72, opportunities[7] if len(opportunities) > 7 else None),
        ("Follow up the Fisher Farms lead", "task", 24, leads[1]),
    ]:
        activity_create(company=company, actor=sales, subject=subject, kind=kind,
                        due_at=now + datetime.timedelta(hours=hours), owner=sales,
                        target_type=target._meta.label_lower if target else None,
                        target_id=target.pk if target else None)
    first = timezone.localdate().replace(month=1, day=1)
    SalesTarget.objects.bulk_create([SalesTarget(company=company, owner=sales, month=first.replace(month=month),
                                                 amount=D("40000.00")) for month in range(1, 13)])
    if other_company is not None and not Lead.objects.filter(company=other_company).exists():
        lead_create(company=other_company, actor=users.get("other") or admin, name="Other prospect",
                    company_name="Other Prospects AG")
