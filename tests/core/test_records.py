"""Records that read like a workplace: readable history, labels, quantities and percentages, human titles and
messages, confirmation of irreversible steps, all form errors at once, and the error pages."""

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.urls import reverse

from apps.core.audit import record_change, snapshot
from apps.core.models import AuditRecord, UnitOfMeasure
from apps.core.ui.display import format_percent, format_quantity
from apps.core.ui.errors import RoleDenied
from apps.core.ui.labels import field_label, humanize_label
from apps.core.views import error_403, error_500
from apps.core.workflow import Transition
from apps.mes.models import ManufacturingDefinition, WorkOrder
from apps.plm.models import BomLine, ChangeOrder
from apps.plm.services.boms import bom_lines_replace
from apps.scm.models import GoodsReceipt, PurchaseOrder, Shipment, StockMove
from apps.scm.services.stock import stock_move_post
from tests.mes.factories import NonConformanceFactory
from tests.plm.factories import ChangeOrderFactory, ChangeRequestFactory, ItemFactory, RevisionFactory
from tests.scm.factories import LocationFactory, StockMoveFactory

pytestmark = pytest.mark.django_db


def unit(code: str) -> UnitOfMeasure:
    return UnitOfMeasure.objects.get(code=code)


def history(web, obj, url: str) -> list[dict]:
    response = web.get(url)
    assert response.status_code == 200
    return [entry["entry"] for entry in response.context["timeline"] if entry["kind"] == "history"]


# ---- labels and formats ----------------------------------------------------------------------------------------

def test_labels_write_the_trades_abbreviations():
    assert [humanize_label(t) for t in ("eco_number", "uom", "Po number", "oee", "sku", "nc", "id", "bom_lines",
                                        "scrap_percent", "idle time", "position")] == [
        "ECO number", "UoM", "PO number", "OEE", "SKU", "NC", "ID", "BOM lines", "Scrap %", "Idle time", "Position"]
    assert field_label(ManufacturingDefinition, "eco_number") == "ECO number"
    assert field_label(BomLine, "uom") == "Unit of measure"
    assert field_label(GoodsReceipt, "purchase_order__number") == "Purchase order"


def test_list_columns_and_forms_use_the_label_helper(web, company):
    headers = [c.header for c in web.get(reverse("mes:manufacturingdefinition_list")).context["table"].columns]
    assert "ECO number" in headers
    form = web.get(reverse("plm:item_create")).context["form"]
    assert form.fields["uom"].label == "Unit of measure"
    assert "Uom" not in web.get(reverse("plm:item_create")).content.decode()


def test_quantities_show_the_units_precision_and_the_unit():
    assert format_quantity(Decimal("8.0000"), unit("ea")) == "8 ea"
    assert format_quantity(Decimal("0.5000"), unit("ea")) == "0.5 ea"  # rounding never hides a real fraction
    assert format_quantity(Decimal("2.5000"), unit("kg")) == "2.500 kg"
    assert format_quantity(Decimal("12500.0000"), unit("g")) == "12,500.000 g"
    assert format_quantity(Decimal("1.2500"), unit("h")) == "1.25 h"
    assert format_percent(Decimal("0.3454"), ratio=True) == "34.5 %"
    assert format_percent(Decimal("5.0000")) == "5.0 %"


def test_list_and_detail_show_quantities_with_units_and_one_date_format(web, company):
    item = ItemFactory(company=company, number="M-100", name="Bolt", uom=unit("ea"))
    move = StockMoveFactory(company=company, item=item, quantity=Decimal("1250.0000"), status="done",
                            done_at=datetime.datetime(2026, 3, 5, 14, 30, tzinfo=datetime.UTC),
                            from_location=LocationFactory(company=company, code="WH/STOCK"),
                            to_location=LocationFactory(company=company, code="CUSTOMERS", kind="customer"))
    page = web.get(reverse("scm:stockmove_list")).content.decode()
    assert "1,250 ea" in page
    assert "1250.0000" not in page
    assert "2026-03-05 14:30" in page
    assert f'<a href="/scm/moves/{move.pk}/">{move.pk}</a>' in page  # ids are never grouped
    detail = web.get(reverse("scm:stockmove_detail", args=[move.pk]))
    assert ("Quantity", "1,250 ea", None) in detail.context["fields"]
    assert detail.context["title"] == "Stock move Move 1,250 ea M-100 from WH/STOCK to CUSTOMERS"


def test_human_titles(company):
    item = ItemFactory(company=company, number="M-100", name="Bolt", uom=unit("ea"))
    move = StockMoveFactory(company=company, item=item, quantity=Decimal("8"),
                            from_location=LocationFactory(company=company, code="WH/STOCK"),
                            to_location=LocationFactory(company=company, code="CUSTOMERS", kind="customer"))
    assert str(StockMove.objects.get(pk=move.pk)) == "Move 8 ea M-100 from WH/STOCK to CUSTOMERS"
    revision = RevisionFactory(item=ItemFactory(company=company, number="ASM-1"))
    line = BomLine.objects.create(revision=revision, component=item, quantity=Decimal("2.5"), uom=unit("ea"))
    assert str(line) == "10: 2.5 ea M-100"


# ---- readable history ------------------------------------------------------------------------------------------

def test_history_names_fields_and_related_records_never_raw_ids(web, company, other_company, user):
    order = ChangeOrderFactory(company=company, title="Longer tubes")
    foreign = ChangeRequestFactory(company=other_company, title="Not yours")
    before = snapshot(order)
    order.status, order.released_by = "released", user
    order.save()
    record_change(order, actor=user, action="release", before=before,
                  after={**snapshot(order), "change_request": foreign.pk})
    [entry, *_] = history(web, order, reverse("plm:changeorder_detail", args=[order.pk]))
    assert entry["action_text"] == "released"
    changes = {c.label: (c.before, c.after) for c in entry["changes"]}
    assert changes["Status"] == ("Draft", "Released")
    assert changes["Released by"] == (None, "alice")
    assert changes["Change request"] == (None, f"#{foreign.pk}")  # another company's row is never named
    page = web.get(reverse("plm:changeorder_detail", args=[order.pk])).content.decode()
    assert "released_by" not in page
    assert f"→ {user.pk}<" not in page
    assert "Not yours" not in page


def test_history_reads_a_note_kept_beside_the_snapshot(web, company, user):
    order = ChangeOrderFactory(company=company, title="Longer tubes")
    note = {"id": 7, "kind": "run", "started_at": "2026-03-02T08:00:00+00:00", "work_center": "CUT", "left": ""}
    record_change(order, actor=user, action="record_time", before=snapshot(order),
                  after={**snapshot(order), "time_log": note})
    [entry, *_] = history(web, order, reverse("plm:changeorder_detail", args=[order.pk]))
    changes = {c.label: (c.before, c.after) for c in entry["changes"]}
    assert entry["action_text"] == "recorded time"
    assert changes["Time log"] == (None, "ID 7 · Kind run · Started at 2026-03-02 08:00 · Work center CUT")


def test_bom_history_reads_as_a_diff_of_lines(web, company, user):
    parent = ItemFactory(company=company, number="ASM-1", item_type="make")
    bolt = ItemFactory(company=company, number="BOLT-1", name="Bolt", uom=unit("ea"))
    tube = ItemFactory(company=company, number="TUBE-1", name="Tube", uom=unit("m"))
    revision = RevisionFactory(item=parent)
    bom_lines_replace(revision=revision, actor=user, lines=[
        {"component": bolt, "quantity": Decimal(4), "uom": unit("ea"), "position": 10}])
    bom_lines_replace(revision=revision, actor=user, lines=[
        {"component": bolt, "quantity": Decimal(6), "uom": unit("ea"), "position": 10},
        {"component": tube, "quantity": Decimal("1.5"), "uom": unit("m"), "position": 20}])
    newest, first = history(web, revision, reverse("plm:revision_detail", args=[revision.pk]))[:2]
    assert newest["action_text"] == "changed the BOM"
    [lines] = newest["changes"]
    assert lines.label == "BOM lines"
    assert lines.lines == [("changed", "10 · BOLT-1 Bolt · 6 ea: Quantity 4 → 6"),
                           ("added", "20 · TUBE-1 Tube · 1.500 m")]
    assert first["changes"][0].lines == [("line", "10 · BOLT-1 Bolt · 4 ea")]
    page = web.get(reverse("plm:revision_detail", args=[revision.pk])).content.decode()
    assert "[{" not in page
    assert "&#x27;uom&#x27;" not in page


# ---- confirmation, messages ------------------------------------------------------------------------------------

IRREVERSIBLE = [(PurchaseOrder, "send"), (GoodsReceipt, "post"), (Shipment, "ship"), (ChangeOrder, "release"),
                (WorkOrder, "complete"), (WorkOrder, "close"), (PurchaseOrder, "cancel"), (Shipment, "cancel"),
                (WorkOrder, "cancel"), (ChangeOrder, "cancel"), (GoodsReceipt, "cancel")]


@pytest.mark.parametrize(("model", "verb"), IRREVERSIBLE)
def test_irreversible_steps_declare_a_confirmation(model, verb):
    step: Transition = model.workflow.transitions[verb]
    assert step.confirm
    assert "?" in step.confirm


def test_nc_close_asks_for_confirmation_on_the_page(web, company):
    nc = NonConformanceFactory(company=company, status="dispositioned", disposition="scrap")
    page = web.get(reverse("mes:nonconformance_detail", args=[nc.pk])).content.decode()
    assert 'data-testid="step-close" data-confirm="Close this non-conformance? It can no longer be changed."' in page
    assert 'id="confirm-dialog"' in page


def test_stock_move_reverse_asks_and_the_message_names_the_record(web, company):
    item = ItemFactory(company=company, number="M-100", uom=unit("ea"))
    stock = LocationFactory(company=company, code="WH/STOCK")
    supplier = LocationFactory(company=company, code="SUPPLIER", kind="supplier")
    move = stock_move_post(company=company, item=item, quantity=Decimal(8), from_location=supplier,
                           to_location=stock, actor=None, unit_cost=Decimal(1))
    page = web.get(reverse("scm:stockmove_detail", args=[move.pk])).content.decode()
    assert 'data-confirm="Post a move the other way, at the original cost? A move is reversed once."' in page
    response = web.post(reverse("scm:stockmove_action", args=[move.pk, "reverse"]), follow=True)
    [message] = [str(m) for m in response.context["messages"]]
    assert message == ("Move 8 ea M-100 from SUPPLIER to WH/STOCK reversed by Move 8 ea M-100 from WH/STOCK to "
                       "SUPPLIER.")


def test_step_message_names_the_record_and_the_outcome(web, company):
    order = ChangeOrderFactory(company=company, status="approved")
    response = web.post(reverse("plm:changeorder_action", args=[order.pk, "cancel"]), follow=True)
    assert [str(m) for m in response.context["messages"]] == [f"{order} cancelled."]


# ---- all form errors at once -----------------------------------------------------------------------------------

def test_bom_editor_reports_every_lines_problem_in_one_save(web, company):
    parent = ItemFactory(company=company, number="ASM-1", item_type="make")
    steel = ItemFactory(company=company, number="STEEL-1", uom=unit("kg"))
    bolt = ItemFactory(company=company, number="BOLT-1")
    revision = RevisionFactory(item=parent)
    rows = [{"position": "10", "component": steel.pk, "quantity": "2", "uom": unit("m").pk, "scrap_percent": "0"},
            {"position": "20", "component": bolt.pk, "quantity": "1", "uom": unit("kg").pk, "scrap_percent": "0"},
            {"position": "30", "component": parent.pk, "quantity": "1", "uom": unit("ea").pk, "scrap_percent": "0"}]
    data = {"effective_from": "", "notes": "", "bom_lines-TOTAL_FORMS": "3", "bom_lines-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data.update({f"bom_lines-{i}-{k}": v for k, v in row.items()})
    response = web.post(reverse("plm:revision_update", args=[revision.pk]), data)
    assert response.status_code == 400
    formset = dict((inline.related_name, fs) for inline, fs in response.context["formsets"])["bom_lines"]
    assert [dict(f.errors) for f in formset.forms] == [
        {"uom": ["Unit m (Length) cannot be converted to kg (Mass), the unit of STEEL-1."]},
        {"uom": ["Unit kg (Mass) cannot be converted to ea (Unit), the unit of BOLT-1."]},
        {"component": ["ASM-1 cannot be a component of itself."]}]
    assert response.context["error_count"] == 3
    assert 'data-testid="error-summary"' in response.content.decode()
    assert not BomLine.objects.exists()


def test_form_and_formset_errors_show_together(web):
    data = {"name": "", "kind": "organization", "is_customer": "on", "payment_terms_days": "30",
            "addresses-TOTAL_FORMS": "1", "addresses-INITIAL_FORMS": "0", "addresses-0-kind": "billing",
            "addresses-0-street": "Hafenstr. 1", "addresses-0-city": "Bremen", "addresses-0-country": "DEU",
            "contacts-TOTAL_FORMS": "0", "contacts-INITIAL_FORMS": "0"}
    response = web.post(reverse("core:party_create"), data)
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    formsets = dict((inline.related_name, fs) for inline, fs in response.context["formsets"])
    assert "country" in formsets["addresses"].forms[0].errors


# ---- error pages -----------------------------------------------------------------------------------------------

def test_403_names_the_permission_the_role_and_the_company(client, company, make_user):
    client.force_login(make_user(company, "Manager"))
    response = client.get(reverse("plm:item_create"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "<code>plm.add_item</code>" in page
    assert "Can add item" in page
    assert "Your role there is <strong>Manager</strong>" in page
    assert "ACME · Acme Manufacturing" in page
    assert "Roles that grant it: Engineering, Integrator, Admin." in page
    assert 'id="sidebar"' in page  # in the suite's layout


@override_settings(DEBUG=False)
def test_404_is_in_the_layout_and_lists_no_url_patterns(web):
    response = web.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="error-404"' in page
    assert 'id="sidebar"' in page
    assert "URLconf" not in page
    assert "api/v1/" not in page


def test_404_of_another_companys_record(web, other_company):
    theirs = ChangeOrderFactory(company=other_company)
    response = web.get(reverse("plm:changeorder_detail", args=[theirs.pk]))
    assert response.status_code == 404
    assert 'data-testid="error-404"' in response.content.decode()


def test_api_paths_keep_problem_json(api):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_500_is_in_the_layout_and_api_500_is_problem_json(rf, user, company):
    request = rf.get("/plm/items/")
    request.user, request.company_id, request.session = user, company.pk, {}
    response = error_500(request)
    assert response.status_code == 500
    assert 'data-testid="error-500"' in response.content.decode()
    api = error_500(rf.get("/api/v1/plm/items/"))
    assert (api.status_code, api["Content-Type"]) == (500, "application/problem+json")


def test_error_handlers_are_the_suites():
    from suite import urls

    assert (urls.handler403.__name__, urls.handler404.__name__, urls.handler500.__name__) == (
        "error_403", "error_404", "error_500")


def test_history_panel_of_the_party_shows_created(web, company, user):
    from apps.core.services.parties import party_create

    party = party_create(company=company, actor=user, name="Ferro AG", is_customer=True)
    content_type = ContentType.objects.get_for_model(party)
    assert AuditRecord.objects.filter(content_type=content_type, object_id=str(party.pk)).count() == 1
    page = web.get(reverse("core:party_detail", args=[party.pk])).content.decode()
    assert "alice <b>created</b>" in page


def test_api_403_is_problem_json_and_names_the_reason(rf):
    response = error_403(rf.get("/api/v1/plm/items/"), RoleDenied("plm.add_item"))
    assert (response.status_code, response["Content-Type"]) == (403, "application/problem+json")
    assert "plm.add_item" in json.loads(response.content)["detail"]


@pytest.mark.django_db
def test_record_changes_writes_what_record_change_writes_in_one_copy(company, user):
    """The bulk audit writer (one COPY) stores the same row as `record_change` would: company, actor, the model's
    content type, the object id, a description with tabs, newlines and backslashes kept, before and after as
    JSON (None as null); a record without a company is stored with none."""
    from apps.core.audit import record_changes

    unit = UnitOfMeasure.objects.first()
    before, after = {"name": "a\tb\\c", "n": 1}, {"name": "line\nbreak", "n": Decimal("1.50")}
    record_changes(UnitOfMeasure, [(company.pk, unit.pk, "unit\t\"x\"\\y\n", "update", before, after),
                                   (None, "k-2", "no company", "delete", after, None)], actor=user)
    first, second = AuditRecord.objects.filter(content_type=ContentType.objects.get_for_model(UnitOfMeasure),
                                               object_repr__in=["unit\t\"x\"\\y\n", "no company"]).order_by("id")
    assert (first.company_id, first.actor_id, first.object_id, first.object_repr, first.action) == (
        company.pk, user.pk, str(unit.pk), "unit\t\"x\"\\y\n", "update")
    assert first.before == before
    assert first.after == {"name": "line\nbreak", "n": "1.50"}
    assert (second.company_id, second.object_id, second.before["n"], second.after) == (None, "k-2", "1.50", None)
