"""SCM pages: one <form> around a form's fields, the scan page, stock by location with sub-locations."""

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import stock_move_post
from tests.plm.factories import ItemFactory
from tests.scm.factories import LocationFactory, LotFactory, WarehouseFactory

D = Decimal


class FormMap(HTMLParser):
    """Which <form> (by order of appearance) each named field sits in, and how deep forms nest."""

    def __init__(self):
        super().__init__()
        self.open: list[int] = []
        self.count = 0
        self.max_depth = 0
        self.field_forms: dict[str, list[int]] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.count += 1
            self.open.append(self.count)
            self.max_depth = max(self.max_depth, len(self.open))
        elif tag in ("input", "select", "textarea", "button") and dict(attrs).get("name"):
            self.field_forms.setdefault(dict(attrs)["name"], []).append(self.open[-1] if self.open else None)

    def handle_endtag(self, tag):
        if tag == "form" and self.open:
            self.open.pop()


def form_map(response) -> FormMap:
    parser = FormMap()
    parser.feed(response.content.decode())
    return parser


@pytest.mark.parametrize(("url", "fields"), [
    ("scm:stock_transfer", ["item", "lot", "quantity", "from_location", "to_location", "reference"]),
    ("scm:stock_adjust", ["item", "lot", "location", "direction", "quantity", "unit_cost", "reason"]),
])
def test_stock_move_forms_have_exactly_one_form_around_the_fields(web, url, fields):
    response = web.get(reverse(url))
    assert response.status_code == 200
    parsed = form_map(response)
    assert parsed.max_depth == 1  # no form inside another: a browser would cut the outer one short
    [page_form] = {form for name in fields for form in parsed.field_forms[name]}
    assert page_form is not None
    assert parsed.field_forms["csrfmiddlewaretoken"].count(page_form) == 1


def test_no_scm_template_nests_forms_or_uses_the_crispy_tag():
    from pathlib import Path

    from django.conf import settings

    templates = [path for base in settings.TEMPLATES[0]["DIRS"] for path in Path(base, "scm").rglob("*.html")]
    assert templates
    offending = [str(path) for path in templates if "{% crispy" in path.read_text()]
    assert offending == []


# ---- the location tree ------------------------------------------------------------------------
@pytest.fixture
def tree(company, user):
    """Zone Z with bins Z/1 and Z/2 (stock 5 and 7 of one item), and a bin elsewhere with 3."""
    warehouse = WarehouseFactory(company=company, code="T")
    zone = LocationFactory(company=company, warehouse=warehouse, code="Z", barcode="ZONE-Z")
    bin_1 = LocationFactory(company=company, warehouse=warehouse, code="Z/1", parent=zone)
    bin_2 = LocationFactory(company=company, warehouse=warehouse, code="Z/2", parent=zone)
    elsewhere = LocationFactory(company=company, warehouse=warehouse, code="Y")
    item = ItemFactory(company=company, number="TREE-1")
    supplier = virtual_location(company=company, kind="supplier")
    for location, quantity in ((bin_1, 5), (bin_2, 7), (elsewhere, 3)):
        stock_move_post(company=company, item=item, quantity=D(quantity), unit_cost=D(1), to_location=location,
                        from_location=supplier, actor=user)
    return zone, bin_1, bin_2, elsewhere, item


def totals(response) -> dict[str, Decimal]:
    return {row["location__code"]: row["on_hand_total"] for row in response.context["rows"]}


def test_stock_by_location_without_sub_locations_shows_each_bin(web, tree):
    assert totals(web.get(reverse("scm:stock_overview"), {"by": "location"})) == {
        "Y": D(3), "Z/1": D(5), "Z/2": D(7)}


def test_stock_by_location_with_sub_locations_totals_the_zone(web, tree):
    response = web.get(reverse("scm:stock_overview"), {"by": "location", "children": "1"})
    assert totals(response) == {"Y": D(3), "Z": D(12), "Z/1": D(5), "Z/2": D(7)}
    assert 'name="children" value="1" id="children" checked' in response.content.decode()
    # the search still applies: to the (parent) location's code
    assert totals(web.get(reverse("scm:stock_overview"), {"by": "location", "children": "1", "q": "Z"})) == {
        "Z": D(12), "Z/1": D(5), "Z/2": D(7)}


def test_stock_at_a_zone_includes_its_bins_only_when_asked(web, tree):
    zone = tree[0]
    with_bins = web.get(reverse("scm:stock_overview"), {"by": "item", "location": zone.pk, "children": "1"})
    assert [(row["item__number"], row["on_hand_total"]) for row in with_bins.context["rows"]] == [("TREE-1", D(12))]
    zone_only = web.get(reverse("scm:stock_overview"), {"by": "item", "location": zone.pk})
    assert zone_only.context["rows"] == []


def test_stock_tree_hides_other_company(web, tree, other_company, other_user):
    foreign = LocationFactory(company=other_company, code="Z/9")
    stock_move_post(company=other_company, item=ItemFactory(company=other_company), quantity=D(9), unit_cost=D(1),
                    to_location=foreign, from_location=virtual_location(company=other_company, kind="supplier"),
                    actor=other_user)
    assert "Z/9" not in totals(web.get(reverse("scm:stock_overview"), {"by": "location", "children": "1"}))
    assert web.get(reverse("scm:stock_overview"), {"location": foreign.pk}).status_code == 404


# ---- the scan page ----------------------------------------------------------------------------
def test_scan_page_has_a_focused_field_that_submits_on_enter(web):
    response = web.get(reverse("scm:scan"))
    assert response.status_code == 200
    parsed = form_map(response)
    page = response.content.decode()
    assert 'name="code"' in page
    assert "autofocus" in page
    scan_form = parsed.field_forms["code"][0]
    assert scan_form is not None
    assert 'data-testid="scan-form"' in page


def test_scanning_a_location_barcode_opens_its_stock_with_bins(web, tree):
    zone = tree[0]
    response = web.get(reverse("scm:scan"), {"code": "ZONE-Z"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('scm:stock_overview')}?by=item&location={zone.pk}&children=1"
    page = web.get(response["Location"])
    assert [row["on_hand_total"] for row in page.context["rows"]] == [D(12)]


def test_scanning_a_lot_opens_the_lot_and_an_item_number_opens_the_stock_card(web, company, tree):
    lot = LotFactory(company=company, code="LOT-SCAN-1")
    item = tree[-1]
    response = web.get(reverse("scm:scan"), {"code": "LOT-SCAN-1"})
    assert (response.status_code, response["Location"]) == (302, reverse("scm:lot_detail", args=[lot.pk]))
    response = web.get(reverse("scm:scan"), {"code": "TREE-1"})
    assert (response.status_code, response["Location"]) == (302, reverse("scm:stock_card", args=[item.pk]))


def test_unknown_or_foreign_code_is_reported_not_found(web, other_company):
    LocationFactory(company=other_company, code="FOREIGN", barcode="FOREIGN-BC")
    for code in ("NO-SUCH-CODE", "FOREIGN-BC"):
        response = web.get(reverse("scm:scan"), {"code": code})
        assert response.status_code == 404
        assert 'data-testid="scan-not-found"' in response.content.decode()


def test_scan_page_needs_a_login(client, tree):
    response = client.get(reverse("scm:scan"), {"code": "ZONE-Z"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
