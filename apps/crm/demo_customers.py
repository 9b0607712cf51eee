"""Demo data for CRM, the e-bike range: seventeen more customers (bike shops, fleets, rental and delivery
companies; twenty with the tractor's three) with their profiles, credit limits, addresses and contacts; the
e-bike price list; a pipeline of e-bike opportunities in every stage, and open quotes (sent, and one draft).

Idempotent: it runs once per company (a second run finds the first new customer's profile and changes nothing).
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.models import Party
from apps.core.services.parties import party_create
from apps.crm.models import CustomerProfile, Segment
from apps.crm.services.customers import (
    address_ensure,
    contact_ensure,
    customer_profile_ensure,
    customer_profile_update,
    segment_create,
)
from apps.crm.services.pipeline import opportunity_create, pipeline_stages_ensure
from apps.crm.services.quotes import price_list_create, quote_create, quote_send
from apps.plm.models import Item

D = Decimal
# name, segment, industry, credit limit, (street, city, postal code, country), (contact, role), e-mail domain
CUSTOMERS = [
    ("Velohaus Berlin GmbH", "Bike shops", "Bicycle retail", "60000", ("Oranienstr. 12", "Berlin", "10997", "DE"),
     ("Katrin Vogel", "Owner"), "velohaus.example"),
    ("Cycle Republic Ltd", "Bike shops", "Bicycle retail", "50000", ("22 Mill Lane", "Bristol", "BS1 6AA", "GB"),
     ("Oliver Grant", "Buyer"), "cyclerepublic.example"),
    ("Fietsenwinkel Jansen", "Bike shops", "Bicycle retail", "40000", ("Kerkstraat 5", "Utrecht", "3511", "NL"),
     ("Daan Jansen", "Owner"), "jansen-fietsen.example"),
    ("Copenhagen Cargo ApS", "Fleets", "Delivery", "90000", ("Nørrebrogade 40", "Copenhagen", "2200", "DK"),
     ("Freja Holm", "Fleet manager"), "cphcargo.example"),
    ("Bike Courier Express", "Fleets", "Courier services", "70000", ("Hafenweg 3", "Hamburg", "20457", "DE"),
     ("Jan Petersen", "Operations"), "bikecourier.example"),
    ("Urban Mobility Leasing GmbH", "Fleets", "Bike leasing", "120000", ("Leopoldstr. 80", "Munich", "80802", "DE"),
     ("Sabine Roth", "Procurement"), "uml-leasing.example"),
    ("Stadtwerke Freiburg", "Fleets", "Public utility", "80000", ("Bismarckallee 1", "Freiburg", "79098", "DE"),
     ("Thomas Maier", "Facility management"), "sw-freiburg.example"),
    ("Radsport Huber", "Bike shops", "Bicycle retail", "40000", ("Hauptplatz 9", "Graz", "8010", "AT"),
     ("Stefan Huber", "Owner"), "radsport-huber.example"),
    ("Vélo Lyon SARL", "Bike shops", "Bicycle retail", "45000", ("12 rue Mercière", "Lyon", "69002", "FR"),
     ("Camille Martin", "Gérante"), "velolyon.example"),
    ("Pedal & Co", "Bike shops", "Bicycle retail", "35000", ("Meir 44", "Antwerp", "2000", "BE"),
     ("Lotte Peeters", "Buyer"), "pedalco.example"),
    ("Trail Hotel Dolomiti", "Fleets", "Hospitality", "50000", ("Via Roma 7", "Cortina", "32043", "IT"),
     ("Giulia Rossi", "Guest services"), "trailhotel.example"),
    ("Green Delivery BV", "Fleets", "Delivery", "90000", ("Havenstraat 20", "Rotterdam", "3024", "NL"),
     ("Sem de Boer", "Fleet manager"), "greendelivery.example"),
    ("Wien Rad GmbH", "Bike shops", "Bicycle retail", "40000", ("Mariahilfer Str. 50", "Vienna", "1070", "AT"),
     ("Anna Gruber", "Buyer"), "wienrad.example"),
    ("Hamburg Bike Rental", "Fleets", "Rental", "60000", ("Alsterufer 2", "Hamburg", "20354", "DE"),
     ("Lukas Brandt", "Owner"), "hh-bikerental.example"),
    ("E-Motion Store Munich", "Bike shops", "E-bike retail", "50000", ("Sendlinger Str. 30", "Munich", "80331",
                                                                      "DE"), ("Max Bauer", "Store manager"),
     "emotion-munich.example"),
    ("Nordic Cycles Oy", "Dealers", "Wholesale", "70000", ("Mannerheimintie 10", "Helsinki", "00100", "FI"),
     ("Aino Virtanen", "Purchasing"), "nordiccycles.example"),
    ("Alpine E-Bikes AG", "Dealers", "Wholesale", "80000", ("Bahnhofstr. 15", "Innsbruck", "6020", "AT"),
     ("Florian Egger", "Managing director"), "alpine-ebikes.example"),
]
SEGMENTS = [("Bike shops", "Independent bicycle retailers."), ("Fleets", "Companies and cities running e-bikes.")]
# bike, [(from quantity, unit price)]
BIKE_PRICES = {"EB-1000": [("0", "2490.00"), ("5", "2390.00"), ("20", "2290.00")],
               "EB-2000": [("0", "2990.00"), ("5", "2870.00"), ("20", "2750.00")],
               "EB-3000": [("0", "4490.00"), ("5", "4310.00"), ("10", "4190.00")]}
# customer, title, amount, stage, days to the expected close
OPPORTUNITIES = [
    ("Urban Mobility Leasing GmbH", "Leasing pool 2027: 80 Urban 500", "183000", "Negotiation", 21),
    ("Copenhagen Cargo ApS", "Cargo fleet expansion: 15 Haul 900", "62850", "Proposal", 30),
    ("Stadtwerke Freiburg", "Staff mobility: 25 Tour 700", "71750", "Proposal", 45),
    ("Green Delivery BV", "Delivery fleet: 20 Haul 900", "83800", "Qualification", 60),
    ("Trail Hotel Dolomiti", "Guest e-bikes for the summer season", "35880", "Negotiation", 14),
    ("Hamburg Bike Rental", "Rental fleet renewal", "47800", "Qualification", 75),
    ("Velohaus Berlin GmbH", "Spring stock order", "28700", "Prospecting", 90),
    ("Cycle Republic Ltd", "UK dealership for the range", "95000", "Prospecting", 120),
    ("Nordic Cycles Oy", "Finland distribution 2027", "140000", "Qualification", 100),
    ("Alpine E-Bikes AG", "Tour 700 demo fleet", "23960", "Proposal", 25),
    ("Bike Courier Express", "Replacement cargo bikes", "26940", "Negotiation", 10),
    ("Vélo Lyon SARL", "First order Urban and Tour", "16340", "Prospecting", 50),
]
# opportunity title, [(bike, quantity, discount %)], sent
QUOTES = [
    ("Leasing pool 2027: 80 Urban 500", [("EB-1000", 80, "3")], True),
    ("Cargo fleet expansion: 15 Haul 900", [("EB-3000", 15, "0")], True),
    ("Guest e-bikes for the summer season", [("EB-2000", 12, "2")], True),
    ("Tour 700 demo fleet", [("EB-2000", 8, "0")], False),
]


@transaction.atomic
def seed_customers(*, company, users) -> None:
    """The e-bike customers, price list, opportunities and open quotes (once)."""
    sales = users.get("sales") or users["admin"]
    first = Party.objects.filter(company=company, name=CUSTOMERS[0][0]).first()
    bikes = {item.number: item for item in Item.objects.filter(company=company, number__in=BIKE_PRICES,
                                                                current_revision__status="released")}
    if len(bikes) < len(BIKE_PRICES) or (first and CustomerProfile.objects.filter(party=first).exists()):
        return
    segments = {s.name: s for s in Segment.objects.filter(company=company)}
    for name, description in SEGMENTS:
        if name not in segments:
            segments[name] = segment_create(company=company, actor=sales, name=name, description=description)
    customers = {p.name: p for p in Party.objects.filter(company=company, is_customer=True)}
    for name, segment, industry, limit, address, contact, domain in CUSTOMERS:
        party = customers.get(name) or party_create(company=company, actor=sales, name=name, is_customer=True,
                                                    email=f"orders@{domain}")
        customers[name] = party
        profile = customer_profile_ensure(party=party, actor=sales, owner=sales)
        customer_profile_update(instance=profile, actor=sales, segment=segments.get(segment), industry=industry,
                                credit_limit=D(limit))
        street, city, postal_code, country = address
        address_ensure(party=party, actor=sales, street=street, city=city, postal_code=postal_code, country=country)
        contact_ensure(party=party, actor=sales, name=contact[0], role=contact[1],
                       email=f"{contact[0].split()[0].lower()}@{domain}")
    price_list_create(company=company, actor=sales, name="E-bikes EUR", currency=company.currency, breaks=[
        {"item": bikes[number], "min_quantity": D(q), "unit_price": D(p)}
        for number, breaks in BIKE_PRICES.items() for q, p in breaks])
    stages = {s.name: s for s in pipeline_stages_ensure(company=company)}
    today = timezone.localdate()
    opportunities = {}
    for name, title, amount, stage, days in OPPORTUNITIES:
        opportunities[title] = opportunity_create(
            company=company, actor=sales, customer=customers[name], title=title, amount=D(amount),
            stage=stages[stage], expected_close=today + datetime.timedelta(days=days), owner=sales)
    for title, lines, sent in QUOTES:
        opportunity = opportunities[title]
        quote = quote_create(company=company, actor=sales, customer=opportunity.customer, opportunity=opportunity,
                             quote_date=today - datetime.timedelta(days=3 if sent else 0), lines=[
                                 {"item": bikes[number], "quantity": D(quantity), "discount_percent": D(discount)}
                                 for number, quantity, discount in lines])
        if sent:
            quote_send(quote=quote, actor=sales)
