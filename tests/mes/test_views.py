"""MES production screens: resources, operator screen (dispatch, buttons, scan), traveler PDF, genealogy."""

import datetime
import re
import zlib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.mes.choices import OperationStatus, WorkOrderStatus
from apps.mes.models import Operation, OperationTimeLog, WorkOrder
from apps.mes.services.operations import operation_time_record
from apps.mes.services.workorders import work_order_create, work_order_release
from apps.mes.traveler import operation_code, traveler_pdf
from tests.mes.factories import GenealogyLinkFactory, OperationFactory, WorkCenterFactory, WorkOrderFactory
from tests.mes.plant import build_plant
from tests.mixins import CompanyOwnedUIResourceTests, CreatableUIResourceTests, EditableUIResourceTests
from tests.plm.factories import ItemFactory, RevisionFactory
from tests.scm.factories import LotFactory

pytestmark = pytest.mark.urls("tests.mes.urls")


class TestWorkCenterUI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    url_prefix = "mes:workcenter"
    factory = WorkCenterFactory
    allowed_role, denied_role = "Production", "Sales"
    inline_prefixes = ["shifts", "equipment"]
    create_form_data = {"code": "PRESS", "name": "Press line", "hourly_rate": "50", "machine_hourly_rate": "20",
                        "capacity_hours_per_day": "16", "status": "idle", "is_active": "on",
                        "shifts-TOTAL_FORMS": "1", "shifts-INITIAL_FORMS": "0", "shifts-0-weekday": "0",
                        "shifts-0-start_time": "06:00", "shifts-0-hours": "8"}
    update_form_data = {"code": "PRESS2", "name": "Press line 2", "hourly_rate": "50", "machine_hourly_rate": "20",
                        "capacity_hours_per_day": "16", "status": "down", "is_active": "on"}


class TestWorkOrderUI(CreatableUIResourceTests, EditableUIResourceTests, CompanyOwnedUIResourceTests):
    url_prefix = "mes:workorder"
    factory = WorkOrderFactory
    allowed_role, denied_role = "Production", "Sales"

    @staticmethod
    def create_form_data(company):

        revision = RevisionFactory(released=True, company=company, item=ItemFactory(made=True, company=company))
        return {"item": revision.item_id, "revision": revision.pk, "quantity": "5", "due_date": "2030-03-15",
                "priority": "3", "source": "manual", "over_completion_percent": "10"}

    @staticmethod
    def update_form_data(company):
        return {"quantity": "7", "due_date": "2030-04-01", "priority": "2", "source": "sales_order",
                "source_reference": "SO-1", "over_completion_percent": "5"}

    def test_edit_form_saves_and_redirects(self, allowed_web, company):
        obj = self.row(company)
        data = {"item": obj.item_id, "revision": obj.revision_id, **self.update_form_data(company)}
        response = allowed_web.post(self.url("update", obj.pk), data)
        assert response.status_code == 302, response.context and response.context["form"].errors
        obj.refresh_from_db()
        assert (obj.quantity, obj.source_reference) == (Decimal(7), "SO-1")


@pytest.fixture
def floor(company, user):
    plant = build_plant(company, user)
    orders = []
    for due in (datetime.date(2030, 3, 20), datetime.date(2030, 3, 15)):
        work_order = work_order_create(company=company, actor=user, item=plant.product, revision=plant.revision,
                                       quantity=Decimal(2), due_date=due)
        orders.append(work_order_release(work_order=work_order, actor=user))
    return plant, orders


def test_work_order_detail_shows_operations_materials_and_reservations(web, floor):
    _plant, (work_order, _other) = floor
    response = web.get(reverse("mes:workorder_detail", args=[work_order.pk]))
    assert response.status_code == 200
    labels = [section["label"] for section in response.context["related"]]
    assert labels[:4] == ["Operations", "Materials", "Reservations", "Time logs"]
    assert len(response.context["related"][2]["rows"]) == 2  # bolts and one steel lot
    assert b'data-testid="traveler"' in response.content


def test_release_button_shows_the_shortage_message(web, company, user):
    plant = build_plant(company, user, stock_bolts="1", steel_lots=())
    work_order = work_order_create(company=company, actor=user, item=plant.product, revision=plant.revision,
                                   quantity=Decimal(2), due_date=datetime.date(2030, 3, 15))
    response = web.post(reverse("mes:workorder_action", args=[work_order.pk, "release"]), follow=True)
    text = response.content.decode()
    assert "BOLT-M8: required 4, available 1" in text
    work_order.refresh_from_db()
    assert work_order.status == "draft"


def test_operator_screen_lists_the_dispatch_in_due_date_order_with_big_buttons(web, floor):
    plant, (later, sooner) = floor
    response = web.get(reverse("mes:operator_screen", args=[plant.cutting.pk]))
    assert response.status_code == 200
    assert [o.work_order for o in response.context["dispatch"]] == [sooner, later]
    content = response.content.decode()
    assert 'autofocus' in content
    assert 'data-testid="scan"' in content
    assert 'data-testid="start"' in content


def test_operator_buttons_start_pause_and_finish(web, floor, user):
    _plant, (_later, sooner) = floor
    operation = sooner.operations.get(sequence=10)
    url = lambda verb: reverse("mes:operator_action", args=[operation.pk, verb])  # noqa: E731
    assert web.post(url("start")).status_code == 302
    assert web.post(url("pause")).status_code == 302
    response = web.post(url("finish"), {"quantity_good": "2", "quantity_scrap": "0"})
    assert response.status_code == 302
    operation.refresh_from_db()
    assert (operation.status, operation.quantity_good) == (OperationStatus.DONE, Decimal(2))
    assert operation.time_logs.get().operator == user
    response = web.post(reverse("mes:operator_action", args=[sooner.operations.get(sequence=20).pk, "finish"]),
                        {"quantity_good": "1"}, follow=True)
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert Operation.objects.get(work_order=sooner, sequence=20).status == OperationStatus.PENDING


def test_scan_jumps_to_the_work_order_or_the_lot(web, floor):
    plant, (_later, sooner) = floor
    scan = reverse("mes:operator_scan", args=[plant.cutting.pk])
    response = web.get(scan, {"code": sooner.number.lower()})
    operation = sooner.operations.get(sequence=10)
    assert response["Location"].endswith(f"?operation={operation.pk}")
    response = web.get(scan, {"code": "s-1"})
    assert response["Location"].startswith(reverse("mes:genealogy"))
    response = web.get(scan, {"code": "NOTHING"}, follow=True)
    assert "No work order, operation or lot" in response.content.decode()


def test_scan_of_an_operations_barcode_opens_that_operation(web, floor, other_company):
    plant, (_later, sooner) = floor
    cutting, assembly = sooner.operations.get(sequence=10), sooner.operations.get(sequence=20)
    scan = reverse("mes:operator_scan", args=[plant.cutting.pk])
    assert operation_code(cutting) == f"{sooner.number}/10"
    response = web.get(scan, {"code": operation_code(cutting).lower()})
    assert response["Location"] == reverse("mes:operator_screen", args=[plant.cutting.pk]) + f"?operation={cutting.pk}"
    # an operation of another work center: its own screen, and the operator is told why
    response = web.get(scan, {"code": operation_code(assembly)}, follow=True)
    assert response.redirect_chain[-1][0] == (reverse("mes:operator_screen", args=[plant.assembly.pk])
                                              + f"?operation={assembly.pk}")
    assert f"Operation 20 of {sooner.number} is done at {plant.assembly.code}." in response.content.decode()
    for unknown in (f"{sooner.number}/99", "WO-NOPE/10"):
        response = web.get(scan, {"code": unknown}, follow=True)
        assert f"No work order, operation or lot &#x27;{unknown}&#x27;." in response.content.decode()
    # another company's work order of the same number is not found
    WorkOrderFactory(company=other_company, number="WO-OTHER-1")
    response = web.get(scan, {"code": "WO-OTHER-1/10"}, follow=True)
    assert "No work order, operation or lot" in response.content.decode()
    # a lot whose code looks like an operation's is still found
    lot = LotFactory(company=plant.product.company, item=plant.product, code="B/12")
    response = web.get(scan, {"code": "b/12"})
    assert response["Location"].startswith(reverse("mes:genealogy"))
    assert f"item={lot.item_id}" in response["Location"]


def test_traveler_carries_a_barcode_per_operation(floor):
    _plant, (work_order, _other) = floor
    pdf = traveler_pdf(work_order)
    text = "".join(zlib.decompress(stream).decode("latin-1")
                   for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S))
    for operation in work_order.operations.all():
        assert operation_code(operation) in text  # printed under its barcode


def test_traveler_is_a_pdf(web, floor):
    _plant, (work_order, _other) = floor
    response = web.get(reverse("mes:workorder_traveler", args=[work_order.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_genealogy_page_traces_both_ways(web, company):
    link = GenealogyLinkFactory(company=company)
    response = web.get(reverse("mes:genealogy"), {"lot": link.child_lot.code})
    assert response.status_code == 200
    assert [n["lot"] for n in response.context["result"]["forward"]] == [link.parent_lot.code]


def test_other_companys_pages_answer_404(web, other_company):
    center = WorkCenterFactory(company=other_company)
    work_order = WorkOrderFactory(company=other_company)
    assert web.get(reverse("mes:operator_screen", args=[center.pk])).status_code == 404
    assert web.get(reverse("mes:workorder_traveler", args=[work_order.pk])).status_code == 404
    link = GenealogyLinkFactory(company=other_company)
    response = web.get(reverse("mes:genealogy"), {"lot": link.parent_lot.code})
    assert response.context["result"] is None


def _moment(value: datetime.datetime) -> str:
    """How a `datetime-local` input sends a moment: local time, to the minute."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_record_time_form_books_a_closed_log_and_shows_it(web, floor, user):
    _plant, (work_order, _other) = floor
    operation = work_order.operations.get(sequence=10)
    detail = reverse("mes:operation_detail", args=[operation.pk])
    page = web.get(detail).content.decode()
    assert 'data-testid="record-time"' in page
    assert 'type="datetime-local"' in page
    end = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    start = end - datetime.timedelta(hours=2, minutes=30)
    response = web.post(reverse("mes:operation_record_time", args=[operation.pk]),
                        {"started_at": _moment(start), "ended_at": _moment(end), "kind": "setup"})
    assert response.status_code == 302, response.context and response.context["record_time_form"].errors
    assert response["Location"] == detail
    log = OperationTimeLog.objects.get()
    assert (log.operation, log.operator, log.kind, log.started_at, log.ended_at) == (operation, user, "setup", start,
                                                                                     end)
    operation.refresh_from_db()
    assert (operation.status, operation.actual_start) == (OperationStatus.PAUSED, start)
    response = web.get(detail)
    time_logs = next(section for section in response.context["related"] if section["label"] == "Time logs")
    assert len(time_logs["rows"]) == 1
    assert "setup time recorded, 2.50 h" in response.content.decode()


def test_record_time_form_shows_the_services_message_at_the_field(web, floor):
    _plant, (work_order, _other) = floor
    operation = work_order.operations.get(sequence=10)
    url = reverse("mes:operation_record_time", args=[operation.pk])
    end = timezone.now() - datetime.timedelta(hours=1)
    response = web.post(url, {"started_at": _moment(end), "ended_at": _moment(end - datetime.timedelta(hours=1)),
                              "kind": "run"})
    assert response.status_code == 400
    form = response.context["record_time_form"]
    assert form.errors == {"ended_at": ["The end must be after the start."]}
    content = response.content.decode()
    assert "The end must be after the start." in content
    assert 'id="id_record_time_ended_at"' in content
    later = web.post(url, {"started_at": _moment(end), "ended_at": _moment(timezone.now() + datetime.timedelta(
        hours=1)), "kind": "run"})
    assert later.status_code == 400
    assert later.context["record_time_form"].errors == {"ended_at": ["Time cannot be recorded in the future."]}
    # the second operation waits for the first: the sequence rule is said above the form
    second = work_order.operations.get(sequence=20)
    response = web.post(reverse("mes:operation_record_time", args=[second.pk]),
                        {"started_at": _moment(end - datetime.timedelta(hours=1)), "ended_at": _moment(end),
                         "kind": "run"})
    assert response.status_code == 400
    assert "operation 10" in " ".join(response.context["record_time_form"].non_field_errors())
    assert 'data-testid="record-time-error"' in response.content.decode()
    assert not OperationTimeLog.objects.exists()
    assert Operation.objects.get(pk=operation.pk).status == OperationStatus.PENDING


def test_record_time_form_shows_only_while_the_work_order_may_be_worked_on(web, floor):
    _plant, (work_order, _other) = floor
    operation = work_order.operations.get(sequence=10)
    assert 'data-testid="record-time"' in web.get(operation.get_absolute_url()).content.decode()
    WorkOrder.objects.filter(pk=work_order.pk).update(status=WorkOrderStatus.CANCELLED)
    assert 'data-testid="record-time"' not in web.get(operation.get_absolute_url()).content.decode()


def test_record_time_needs_the_operation_steps_permission_in_the_company(client, floor, company, other_company,
                                                                         make_user):
    _plant, (work_order, _other) = floor
    operation = work_order.operations.get(sequence=10)
    end = timezone.now() - datetime.timedelta(hours=1)
    data = {"started_at": _moment(end - datetime.timedelta(hours=1)), "ended_at": _moment(end), "kind": "run"}
    client.force_login(make_user(company, "Sales"))
    assert 'data-testid="record-time"' not in client.get(operation.get_absolute_url()).content.decode()
    assert client.post(reverse("mes:operation_record_time", args=[operation.pk]), data).status_code == 403
    client.force_login(make_user(company, "Production"))
    theirs = OperationFactory(work_order__company=other_company)
    assert client.post(reverse("mes:operation_record_time", args=[theirs.pk]), data).status_code == 404
    assert client.get(reverse("mes:operation_record_time", args=[operation.pk])).status_code == 405
    assert not OperationTimeLog.objects.exists()


def test_office_finish_form_reports_when_the_operation_finished(web, floor, user):
    _plant, (work_order, _other) = floor
    operation = work_order.operations.get(sequence=10)
    end = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    web.post(reverse("mes:operation_record_time", args=[operation.pk]),
             {"started_at": _moment(end - datetime.timedelta(hours=1)), "ended_at": _moment(end), "kind": "run"})
    assert 'id="id_finish_finished_at"' in web.get(operation.get_absolute_url()).content.decode()
    response = web.post(reverse("mes:operation_action", args=[operation.pk, "finish"]),
                        {"quantity_good": "2", "finished_at": _moment(end)})
    assert response.status_code == 302
    operation.refresh_from_db()
    assert (operation.status, operation.actual_end) == (OperationStatus.DONE, end)


def test_admin_shows_an_operations_time_logs_read_only(admin_client, floor, user):
    _plant, (work_order, _other) = floor
    operation = work_order.operations.get(sequence=10)
    end = timezone.now() - datetime.timedelta(hours=1)
    log = operation_time_record(operation=operation, started_at=end - datetime.timedelta(hours=1), ended_at=end,
                                actor=user)
    page = admin_client.get(reverse("admin:mes_operation_change", args=[operation.pk]))
    assert page.status_code == 200
    [inline] = [i for i in page.context["inline_admin_formsets"] if i.formset.model is OperationTimeLog]
    assert [form.instance for form in inline.formset.forms] == [log]
    assert (inline.has_add_permission, inline.has_change_permission, inline.has_delete_permission) == (
        False, False, False)
    assert admin_client.post(reverse("admin:mes_operationtimelog_change", args=[log.pk]),
                             {"kind": "setup"}).status_code == 403
    log.refresh_from_db()
    assert log.kind == "run"
