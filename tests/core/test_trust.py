"""Trust boundaries beyond rows (#8): rights per company on every workflow step, platform reference data, company
exchange rates, private files, and no other company's names in any rendered choice.

The step and page tests are discovered from the URL conf like `test_isolation`, so a new route is covered as
soon as it is mounted.
"""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.test import override_settings
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone
from rest_framework.relations import RelatedField

from apps.core.api.serializers import ScopedPrimaryKeyRelatedField
from apps.core.models import Attachment, AuditRecord, Company, Currency, Membership, UnitOfMeasure, UomCategory
from apps.core.permissions import has_company_perm
from apps.core.roles import ROLE_PERMISSIONS, permissions_for
from tests.core.factories import CompanyFactory, PartyFactory
from tests.core.test_isolation import (
    API_ROUTES,
    COMPANY_ROUTES,
    UI_RESOURCES,
    _walk,
    build_pair,
    factory_for,
    model_of,
)
from tests.mixins import add_membership, is_company_owned, make_row, switch_company, token_client

pytestmark = pytest.mark.django_db


# ---- workflow steps with their own permission follow the object's company -----------------------------------------

def _api_steps() -> list[tuple[str, type, str, str]]:
    """(list url, viewset, verb, permission) of every API workflow step whose transition declares a permission."""
    steps = []
    for url, viewset in COMPANY_ROUTES:
        model = model_of(viewset)
        workflow = getattr(model, "workflow", None)
        if workflow is None:
            continue
        for verb, step in workflow.transitions.items():
            if step.permission and hasattr(getattr(viewset, verb, None), "mapping"):
                steps.append((url, viewset, verb, step.permission))
    return steps


def _roles_with(permission: str) -> tuple[str, str]:
    """A role granting the permission and one that reads the model without it."""
    codes = [permission, f"{permission.split('.')[0]}.view_x"]
    granting = [role for role in ROLE_PERMISSIONS if permission in permissions_for(role, codes)]
    lacking = [role for role in ROLE_PERMISSIONS if permission not in permissions_for(role, codes)
               and role not in ("Admin", "Integrator")]
    assert granting, permission
    assert lacking, permission
    return granting[0], lacking[0]


API_STEPS = _api_steps()


def test_the_steps_with_their_own_permission_are_discovered():
    assert {("/api/v1/plm/change-orders/", "approve"), ("/api/v1/plm/change-orders/", "reject")} <= {
        (url, verb) for url, _viewset, verb, _perm in API_STEPS}


@pytest.mark.parametrize(("url", "viewset", "verb", "permission"), API_STEPS,
                         ids=[f"{url}{verb}" for url, _v, verb, _p in API_STEPS])
def test_api_step_permission_comes_from_the_role_in_the_objects_company(url, viewset, verb, permission, company,
                                                                        other_company, make_user):
    """The permission held in another company opens nothing here: 403 on this company's object, and the same
    step on the other company's object gets past the permission check (whatever its status says)."""
    granting, lacking = _roles_with(permission)
    user = make_user(company, lacking)
    add_membership(user, other_company, granting)
    mine, theirs = build_pair(model_of(viewset), company, other_company)
    client = token_client(user)
    response = client.post(f"{url}{mine.pk}/{verb.replace('_', '-')}/", {}, format="json")
    assert response.status_code == 403, response.content
    assert AuditRecord.objects.filter(object_id=str(mine.pk), action=verb).count() == 0
    response = client.post(f"{url}{theirs.pk}/{verb.replace('_', '-')}/", {}, format="json")
    assert response.status_code != 403, response.content


def _ui_steps() -> list[tuple[str, type, str, str]]:
    steps = []
    for _list_name, detail_name, resource in UI_RESOURCES:
        workflow = getattr(resource.model, "workflow", None)
        if workflow is None or not detail_name:
            continue
        for verb in resource.actions:
            step = workflow.transitions.get(verb)
            if step is not None and step.permission:
                steps.append((resource.url_name("action"), resource, verb, step.permission))
    return steps


UI_STEPS = _ui_steps()


@pytest.mark.parametrize(("action_name", "resource", "verb", "permission"), UI_STEPS,
                         ids=[f"{name}:{verb}" for name, _r, verb, _p in UI_STEPS])
def test_ui_step_permission_comes_from_the_role_in_the_active_company(action_name, resource, verb, permission,
                                                                      client, company, other_company, make_user):
    granting, lacking = _roles_with(permission)
    user = make_user(company, lacking)
    add_membership(user, other_company, granting)
    mine, _theirs = build_pair(resource.model, company, other_company)
    client.force_login(user)
    switch_company(client, company)
    assert client.post(reverse(action_name, args=[mine.pk, verb])).status_code == 403
    detail = client.get(resource.detail_url(mine))
    assert f"/do/{verb}/" not in detail.content.decode()


def test_a_manager_elsewhere_cannot_approve_a_purchase_order_above_the_threshold_here(company, other_company,
                                                                                      make_user):
    from apps.scm.services.purchasing import purchase_order_create
    from tests.scm.factories import purchasing_world

    world = purchasing_world(company)
    buyer = make_user(company, "Purchasing")
    add_membership(buyer, other_company, "Manager")
    order = purchase_order_create(company=company, actor=buyer, supplier=world.supplier, warehouse=world.warehouse,
                                  lines=[{"item": world.item, "quantity": Decimal(5000), "unit_price": Decimal(10)}])
    client = token_client(buyer)
    detail = client.get(f"/api/v1/scm/purchase-orders/{order.pk}/").json()
    assert "approve" not in detail["allowed_transitions"]
    assert "send" not in detail["allowed_transitions"]
    response = client.post(f"/api/v1/scm/purchase-orders/{order.pk}/approve/", {}, format="json")
    assert response.status_code == 403, response.content
    assert "manager must approve" in response.json()["detail"]
    order.refresh_from_db()
    assert order.status == "draft"
    manager = make_user(company, "Manager")
    assert "approve" in token_client(manager).get(
        f"/api/v1/scm/purchase-orders/{order.pk}/").json()["allowed_transitions"]


# ---- platform reference data ----------------------------------------------------------------------------------

PLATFORM = [("/api/v1/core/currencies/", {"code": "NOK", "name": "Krone", "decimals": 2}),
            ("/api/v1/core/uom-categories/", {"name": "Energy"}),
            ("/api/v1/core/uoms/", {"code": "kWh", "name": "kilowatt hour", "factor": "1"})]


@pytest.mark.parametrize(("url", "payload"), PLATFORM, ids=[url for url, _p in PLATFORM])
def test_a_company_admin_cannot_write_platform_reference_data(url, payload, company, make_user):
    client = token_client(make_user(company, "Admin"))
    if url.endswith("uoms/"):
        payload = {**payload, "category": UomCategory.objects.get(name="Mass").pk}
    existing = client.get(url).json()["results"][0]
    counts = (Currency.objects.count(), UomCategory.objects.count(), UnitOfMeasure.objects.count())
    assert client.post(url, payload, format="json").status_code == 403
    assert client.patch(f"{url}{existing['id']}/", {"name": "Hacked"}, format="json").status_code == 403
    assert client.delete(f"{url}{existing['id']}/").status_code == 403
    assert (Currency.objects.count(), UomCategory.objects.count(), UnitOfMeasure.objects.count()) == counts
    assert client.get(f"{url}{existing['id']}/").json()["name"] == existing["name"]
    operator = token_client(make_user(company, "Admin", is_superuser=True))
    assert operator.post(url, payload, format="json").status_code == 201


def test_currency_decimals_are_zero_to_six(company, make_user):
    client = token_client(make_user(company, "Admin", is_superuser=True))
    response = client.post("/api/v1/core/currencies/", {"code": "XBT", "name": "Bits", "decimals": 7}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "decimals"


def test_the_django_admin_keeps_platform_data_for_superusers(client, company, make_user):
    staff = make_user(company, "Admin", is_staff=True)
    client.force_login(staff)
    eur = Currency.objects.get(code="EUR")
    assert client.get(reverse("admin:core_currency_change", args=[eur.pk])).status_code == 200  # may view
    response = client.post(reverse("admin:core_currency_change", args=[eur.pk]),
                           {"code": "EUR", "name": "Renamed", "decimals": 2})
    assert response.status_code == 403
    assert client.get(reverse("admin:core_currency_add")).status_code == 403
    assert Currency.objects.get(pk=eur.pk).name == "Euro"
    # and a company Admin never reaches user accounts or tokens (a way into other companies, or to superuser)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert not has_company_perm(staff, "auth.change_user", company)


# ---- exchange rates belong to a company ---------------------------------------------------------------------------

def test_exchange_rates_are_invisible_and_inert_across_companies(company, other_company, make_user):
    from apps.core.selectors import exchange_rate_or_none

    usd = Currency.objects.get(code="USD")
    theirs = token_client(make_user(other_company, "Finance"))
    response = theirs.post("/api/v1/core/exchange-rates/", {"base": usd.pk, "quote": company.currency_id,
                                                             "date": "2026-01-01", "rate": "0.00000001"},
                           format="json")
    assert response.status_code == 201, response.content
    mine = token_client(make_user(company, "Finance"))
    assert mine.get("/api/v1/core/exchange-rates/").json()["count"] == 0
    assert mine.get(f"/api/v1/core/exchange-rates/{response.json()['id']}/").status_code == 404
    import datetime

    assert exchange_rate_or_none(company=company, currency=usd, date=datetime.date(2026, 6, 1)) is None
    assert exchange_rate_or_none(company=other_company, currency=usd,
                                 date=datetime.date(2026, 6, 1)) == Decimal("0.00000001")


def test_exchange_rate_rules_name_the_field(company, make_user):
    client = token_client(make_user(company, "Finance"))
    eur, usd = Currency.objects.get(code="EUR"), Currency.objects.get(code="USD")
    cases = [({"rate": "0"}, "rate"), ({"rate": "-1.5"}, "rate"), ({"rate": "1.123456789"}, "rate"),
             ({"quote": eur.pk}, None)]
    for change, field in cases:
        payload = {"base": eur.pk, "quote": usd.pk, "date": "2026-01-01", "rate": "1.1", **change}
        response = client.post("/api/v1/core/exchange-rates/", payload, format="json")
        assert response.status_code == 400, (change, response.content)
        assert response.json()["errors"][0]["attr"] == field, change
    ok = client.post("/api/v1/core/exchange-rates/", {"base": eur.pk, "quote": usd.pk, "date": "2026-01-01",
                                                       "rate": "1.1"}, format="json")
    assert ok.status_code == 201
    assert AuditRecord.objects.filter(content_type__model="exchangerate", object_id=str(ok.json()["id"]),
                                      action="create").count() == 1


def test_the_approval_threshold_uses_the_documents_company_rate(company, other_company, make_user):

    from apps.core.models import ExchangeRate
    from apps.scm.services.purchasing import purchase_order_create, purchase_order_send
    from tests.scm.factories import purchasing_world

    usd = Currency.objects.get(code="USD")
    today = timezone.localdate()
    ExchangeRate.objects.create(company=company, base=usd, quote=company.currency, date=today, rate=Decimal("0.9"))
    ExchangeRate.objects.create(company=other_company, base=usd, quote=company.currency, date=today,
                                rate=Decimal("0.00000001"))
    world = purchasing_world(company)
    buyer = make_user(company, "Purchasing")
    order = purchase_order_create(company=company, actor=buyer, supplier=world.supplier, currency=usd,
                                  warehouse=world.warehouse, order_date=today,
                                  lines=[{"item": world.item, "quantity": Decimal(1000), "unit_price": Decimal(1000)}])
    assert order.total_company_currency == Decimal("900000.00")
    from apps.core.errors import ConflictError

    with pytest.raises(ConflictError) as caught:
        purchase_order_send(purchase_order=order, actor=buyer)
    assert caught.value.code == "approval_required"


# ---- private files ----------------------------------------------------------------------------------------------

def _attach(api_client, party, name="drawing.html", content=b"<script>alert(1)</script>"):
    return api_client.post("/api/v1/core/attachments/", {
        "target_type": "core.party", "target_id": str(party.pk),
        "file": SimpleUploadedFile(name, content, content_type="text/html")}, format="multipart")


def test_files_are_downloaded_only_through_the_company_checked_views(client, company, other_company, make_user):
    party = PartyFactory(company=company)
    owner = token_client(make_user(company, "Sales"))
    response = _attach(owner, party)
    assert response.status_code == 201, response.content
    body = response.json()
    assert "/media/" not in response.content.decode()
    assert "file" not in body
    assert body["download_url"].endswith(f"/api/v1/core/attachments/{body['id']}/download/")
    attachment = Attachment.objects.get(pk=body["id"])
    ui_url = reverse("core:attachment_download", args=[attachment.pk])
    api_url = f"/api/v1/core/attachments/{attachment.pk}/download/"
    # anonymous: to the login page (UI) or 401 (API); /media/ is not served at all
    assert client.get(ui_url).status_code == 302
    assert client.get(api_url).status_code == 401
    assert client.get(f"/media/{attachment.file.name}").status_code == 404
    # another company: 404, never the bytes
    stranger = make_user(other_company, "Admin")
    assert token_client(stranger).get(api_url).status_code == 404
    client.force_login(stranger)
    assert client.get(ui_url).status_code == 404
    # the owner: an attachment that can never render or run in the suite's origin
    for download in (owner.get(api_url), _logged_in(client, make_user(company, "Sales")).get(ui_url)):
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Type"] == "application/octet-stream"
        assert b"".join(download.streaming_content) == b"<script>alert(1)</script>"


def _logged_in(client, user):
    client.force_login(user)
    return client


@override_settings(MAX_UPLOAD_MB=0.001)
def test_an_oversize_upload_is_refused_naming_the_file(client, company, make_user):
    party = PartyFactory(company=company)
    user = make_user(company, "Sales")
    response = _attach(token_client(user), party, name="big.bin", content=b"x" * 2000)
    assert response.status_code == 413, response.content
    assert response.json()["errors"][0]["attr"] == "file"
    assert "limited to 0.001 MB" in response.json()["detail"]
    client.force_login(user)
    from django.contrib.contenttypes.models import ContentType

    page = client.post(reverse("core:chatter_attachment", args=[ContentType.objects.get_for_model(party).pk,
                                                                party.pk]),
                       {"file": SimpleUploadedFile("big.bin", b"x" * 2000)}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    assert "limited to 0.001 MB" in page.content.decode()
    assert not Attachment.objects.exists()


def test_plm_documents_download_as_attachments_only(client, company, other_company, make_user):
    from tests.plm.factories import DocumentFactory

    document = make_row(DocumentFactory, company, file_name="spec.svg")
    url = f"/api/v1/plm/documents/{document.pk}/download/"
    body = token_client(make_user(company, "Engineering")).get(f"/api/v1/plm/documents/{document.pk}/").json()
    assert "file" not in body
    assert body["download_url"].endswith(url)
    assert token_client(make_user(other_company, "Admin")).get(url).status_code == 404
    download = token_client(make_user(company, "Engineering")).get(url)
    assert (download["Content-Type"], download["X-Content-Type-Options"]) == ("application/octet-stream", "nosniff")
    assert download["Content-Disposition"].startswith("attachment;")
    assert client.get(reverse("plm:document_download", args=[document.pk])).status_code == 302


# ---- memberships -----------------------------------------------------------------------------------------------

def test_memberships_are_managed_by_the_companys_admin_through_the_api(company, other_company, make_user):
    admin = token_client(make_user(company, "Admin"))
    sales = Group.objects.get(name="Sales")
    response = admin.post("/api/v1/core/memberships/", {"username": "newbie", "password": "long-enough-1",
                                                        "role": sales.pk}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["username"], response.json()["role_name"]) == ("newbie", "Sales")
    membership = Membership.objects.get(user__username="newbie")
    manager = Group.objects.get(name="Manager")
    response = admin.patch(f"/api/v1/core/memberships/{membership.pk}/", {"role": manager.pk}, format="json")
    assert (response.status_code, response.json()["role_name"]) == (200, "Manager")
    # an Admin of another company, a Sales member here: nothing changes
    outsider = make_user(other_company, "Admin")
    add_membership(outsider, company, "Sales")
    client = token_client(outsider)
    assert client.patch(f"/api/v1/core/memberships/{membership.pk}/", {"role": sales.pk},
                        format="json").status_code == 403
    assert client.post("/api/v1/core/memberships/", {"username": "spy", "password": "long-enough-1",
                                                     "role": sales.pk, "company": company.pk},
                       format="json").status_code == 403
    assert client.delete(f"/api/v1/core/memberships/{membership.pk}/").status_code == 403
    membership.refresh_from_db()
    assert membership.role == manager
    assert admin.delete(f"/api/v1/core/memberships/{membership.pk}/").status_code == 204
    assert AuditRecord.objects.filter(content_type__model="membership", object_id=str(membership.pk)).count() == 3
    roles = admin.get("/api/v1/core/roles/").json()
    assert "Manager" in [r["name"] for r in roles]


# ---- no other company's name in any rendered choice -------------------------------------------------------------

MARKER = "ZQMRK"
MARKABLE = ("name", "title", "code", "number", "subject", "reference", "supplier_part_number", "description")
# parameterised pages that are not a Resource's detail/edit: the model whose row of the company fills the parameter
CUSTOM_PAGES = {
    "scm:stock_card": "plm.item", "scm:cyclecount_count": "scm.cyclecount", "scm:shipment_picking": "scm.shipment",
    "plm:document_replace": "plm.document", "plm:document_delete": "plm.document",
    "mes:operator_screen": "mes.workcenter", "mes:oee_dashboard": "mes.workcenter",
    "mes:work_center_live": "mes.workcenter",
    "mes:workorder_complete": "mes.workorder",
    "crm:customer_360": "core.party", "crm:case_feedback": "crm.servicecase",
    "crm:opportunity_feedback": "crm.opportunity",
    "erp:mrprun_progress": "erp.mrprun", "erp:mrp_item_plan": "erp.mrprun",
    "erp:trace_salesorder": "erp.salesorder", "erp:trace_lot": "scm.lot", "erp:trace_workorder": "mes.workorder",
    "erp:trace_purchaseorder": "scm.purchaseorder", "erp:trace_invoice": "erp.invoice",
    "erp:trace_shipment": "scm.shipment", "erp:recall_lot": "scm.lot",
}
NOT_HTML = {"core:autocomplete", "mes:operator_close_short", "plm:changeorder_move", "mes:workorder_move",
            "core:attachment_download", "plm:document_download", "scm:purchaseorder_pdf",
            "scm:shipment_delivery_note", "mes:workorder_traveler", "core:chatter_note", "core:chatter_attachment",
            "mes:operator_scan", "mes:operator_check", "mes:operator_action", "mes:operation_record_time",
            "mes:quality_incoming_release", "mes:quality_incoming_reject", "core:switch_company", "crm:quote_pdf",
            "crm:lead_merge", "crm:opportunity_move", "crm:opportunity_drop", "erp:salesorder_pdf", "erp:invoice_pdf"}


def _marked_row(model, company, index: int):
    """A row of `company` whose human fields carry the marker (or None if the factory cannot take them)."""
    row_factory = factory_for(model)
    fields = {f.name: f"{MARKER}{index:03d}" for f in model._meta.concrete_fields
              if isinstance(f, models.CharField) and f.name in MARKABLE and not f.choices
              and (f.max_length or 0) >= len(MARKER) + 3}
    if row_factory is None or not fields:
        return None
    try:
        with transaction.atomic():
            return make_row(row_factory, company, **fields)
    except Exception:  # a factory whose derived fields cannot take the marker: its plain row is built anyway
        return None


def _owned_models() -> list:
    found = {model_of(viewset) for _url, viewset in COMPANY_ROUTES}
    found |= {resource.model for _l, _d, resource in UI_RESOURCES if is_company_owned(resource.model)}
    return sorted((m for m in found if m is not Company), key=lambda m: m._meta.label)


def _pages(rows_by_model) -> list[str]:
    """Every HTML page of the UI the user of the first company can open (discovered from the URL conf)."""
    pages = []
    resource_names = set()
    for list_name, detail_name, resource in UI_RESOURCES:
        resource_names |= {resource.url_name(v) for v in ("list", "detail", "update", "create", "action")}
        pages.append(reverse(list_name))
        if resource.can_create:
            pages.append(reverse(resource.url_name("create")))
        row = rows_by_model.get(resource.model)
        if row is not None and detail_name:
            pages.append(resource.detail_url(row))
            if resource.can_edit:
                pages.append(reverse(resource.url_name("update"), args=[row.pk]))
    unknown = []
    for route, ns, entry in _walk(get_resolver().url_patterns):
        if not isinstance(entry, URLPattern) or not ns or route.startswith(("api/", "admin/")):
            continue
        name = f"{ns}:{entry.name}"
        if name in resource_names or name in NOT_HTML:
            continue
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if not params:
            pages.append(reverse(name))
        elif name in CUSTOM_PAGES:
            row = next((r for m, r in rows_by_model.items() if m._meta.label_lower == CUSTOM_PAGES[name]), None)
            if row is not None:
                pages.append(reverse(name, args=[row.pk]))
        else:
            unknown.append(name)
    assert not unknown, f"new parameterised pages: add them to CUSTOM_PAGES or NOT_HTML to have them checked: {unknown}"
    return pages


def test_no_rendered_choice_names_another_companys_records(client, company, make_user):
    """Build rows of every company-owned model in both companies, the other company's carrying a marker in every
    human field, then open every page (lists with filters, create and edit forms, detail pages with their action
    forms, custom screens) and the browsable API's lists as a user of the first: the marker never appears."""
    other = CompanyFactory(code="ZQMRKC", name=f"{MARKER} Company")
    other_user = make_user(other, "Admin", username="zqmrkuser")
    assert other_user.username.upper().startswith(MARKER)
    rows, marked = {}, 0
    for index, model in enumerate(_owned_models()):
        mine, _theirs = build_pair(model, company, other)
        rows[model] = mine
        marked += _marked_row(model, other, index) is not None
    assert marked >= 25, f"only {marked} models took the marker"
    client.force_login(make_user(company, "Admin"))
    opened = 0
    for url in _pages(rows):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        opened += 1
        assert MARKER.lower() not in response.content.decode().lower(), f"{url} shows another company's records"
    assert opened >= 100, f"only {opened} pages answered 200"
    api = token_client(make_user(company, "Admin"))
    for url, _viewset in API_ROUTES:
        response = api.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert MARKER.lower() not in response.content.decode().lower(), f"browsable {url} shows another company"


def test_every_api_relation_to_company_records_is_scoped():
    """Each writable related field of a company-owned model, in every serializer behind a route (and the input
    serializers of workflow steps), accepts only the requesting user's companies' rows."""
    unscoped, serializer_classes = [], set()
    for route, _ns, entry in _walk(get_resolver().url_patterns):
        viewset = getattr(entry.callback, "cls", None)
        if viewset is None or not route.startswith("api/"):
            continue
        serializer_classes.add(getattr(viewset, "serializer_class", None))
        for attribute in dir(viewset):
            serializer_classes.add(getattr(getattr(viewset, attribute, None), "input_serializer", None))
    assert len(serializer_classes) > 50
    for serializer_class in filter(lambda c: isinstance(c, type), serializer_classes):
        for name, field in _relations(serializer_class().fields):
            queryset = getattr(field, "queryset", None)
            if field.read_only or queryset is None or not is_company_owned(queryset.model):
                continue
            if not isinstance(field, ScopedPrimaryKeyRelatedField):
                unscoped.append(f"{serializer_class.__name__}.{name}")
    assert not unscoped, f"relations that accept another company's ids: {sorted(set(unscoped))}"


def _relations(fields, prefix=""):
    for name, field in fields.items():
        if field.read_only:
            continue  # shown, never written
        child = getattr(field, "child", None) or getattr(field, "child_relation", None)
        if hasattr(field, "fields"):
            yield from _relations(field.fields, f"{prefix}{name}.")
        elif child is not None and hasattr(child, "fields"):
            yield from _relations(child.fields, f"{prefix}{name}.")
        elif isinstance(field, RelatedField):
            yield f"{prefix}{name}", field
        elif child is not None and isinstance(child, RelatedField):
            yield f"{prefix}{name}", child


def test_the_django_admin_changes_memberships_through_the_service(client, company, make_user):
    staff = make_user(company, "Admin", is_staff=True)
    make_user(company, "Admin")  # not the last Admin
    bob = make_user(company, "Sales", username="bob")
    membership = Membership.objects.get(user=bob)
    client.force_login(staff)
    url = reverse("admin:core_membership_change", args=[membership.pk])
    response = client.post(url, {"role": Group.objects.get(name="Manager").pk})
    assert response.status_code == 302, response.content
    membership.refresh_from_db()
    assert membership.role.name == "Manager"
    assert list(AuditRecord.objects.filter(content_type__model="membership", object_id=str(membership.pk))
                .values_list("action", "actor__username")) == [("update", staff.username), ("create", None)]
    response = client.post(reverse("admin:core_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditRecord.objects.filter(content_type__model="membership", object_id=str(membership.pk),
                                      action="delete", actor=staff).count() == 1
