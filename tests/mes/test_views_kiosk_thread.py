"""What the thread's browser test found on the operator screen: it names the revision a work order builds (two
orders of one item at revisions A and B are told apart), its completion form's fields have their labels, and a
completion asks first (the kiosk does not load the office's suite.js)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.mes.services.operations import operation_start
from apps.mes.services.workorders import work_order_create, work_order_release
from apps.plm.choices import RevisionStatus
from apps.plm.models import Revision
from tests.mes.factories import ManufacturingDefinitionFactory, ManufacturingDefinitionLineFactory
from tests.mes.plant import build_plant
from tests.plm.factories import RevisionFactory

pytestmark = pytest.mark.urls("tests.mes.urls")
D = Decimal


def test_the_operator_screen_shows_the_revision_of_each_order(web, company, user, django_assert_max_num_queries):
    plant = build_plant(company, user)

    def order(revision, day):
        return work_order_release(work_order=work_order_create(
            company=company, actor=user, item=plant.product, revision=revision, quantity=D(1),
            due_date=datetime.date(2030, 3, day)), actor=user)

    orders = [order(plant.revision, 1)]  # started on revision A, then the ECO released B
    Revision.objects.filter(pk=plant.revision.pk).update(status=RevisionStatus.SUPERSEDED)
    revision_b = RevisionFactory(company=company, item=plant.product, code="B", status=RevisionStatus.RELEASED)
    definition = ManufacturingDefinitionFactory(company=company, revision=revision_b, item=plant.product)
    ManufacturingDefinitionLineFactory(definition=definition, component=plant.bolt, quantity=D(2), position=10)
    orders.append(order(revision_b, 2))
    screen = reverse("mes:operator_screen", args=[plant.cutting.pk])
    first, second = (order.operations.get(sequence=10) for order in orders)

    content = web.get(screen).content.decode()
    assert '<span class="badge text-bg-light border" data-testid="operation-revision">rev A</span>' in content
    assert f"{plant.product.number} rev A · 1" in content
    assert f"{plant.product.number} rev B · 1" in content
    content = web.get(f"{screen}?operation={second.pk}").content.decode()
    assert 'data-testid="operation-revision">rev B</span>' in content
    assert 'data-testid="operation-revision">rev A</span>' not in content
    # the revisions come with the dispatch list: a third order adds no query
    with django_assert_max_num_queries(60) as counted:
        web.get(f"{screen}?operation={first.pk}")
    before = len(counted.captured_queries)
    order(revision_b, 3)
    with django_assert_max_num_queries(before):
        web.get(f"{screen}?operation={first.pk}")


def test_the_completion_form_labels_its_fields_and_asks_before_booking(web, company, user):
    plant = build_plant(company, user)
    order = work_order_release(work_order=work_order_create(
        company=company, actor=user, item=plant.product, revision=plant.revision, quantity=D(2),
        due_date=datetime.date(2030, 3, 1)), actor=user)
    last = order.operations.get(sequence=20)
    kiosk = reverse("mes:operator_screen", args=[plant.assembly.pk]) + f"?operation={last.pk}"
    # the last operation not started yet: no finished units to report on the kiosk
    pending = web.get(kiosk).content.decode()
    assert 'data-testid="completion-form"' not in pending
    assert "This is the last operation: start it to report finished units." in pending
    operation_start(operation=last, actor=user, override_sequence=True)
    pages = [web.get(kiosk),
             web.get(reverse("mes:workorder_detail", args=[order.pk]))]
    for page in pages:
        content = page.content.decode()
        for name, label in (("good", "Good"), ("scrap", "Scrap"), ("lot", "Lot / serial prefix")):
            field = f"complete-{name}-{order.pk}"
            assert f'<label class="form-label small" for="{field}">{label}</label>' in content
            assert f'id="{field}"' in content
        # every lot the operator may choose is named for a screen reader
        lots = re.findall(r'<input name="lot-[^>]*>', content)
        assert len(lots) == 2  # the steel lots S-1 and S-2
        assert all('aria-label="Consume from lot S-' in tag for tag in lots)
        assert 'data-confirm="Book this completion?' in content
    kiosk = pages[0].content.decode()
    assert 'if (question && !window.confirm(question)) event.preventDefault();' in kiosk
