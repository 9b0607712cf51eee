"""A change order's page names its revisions the same way before and after the release (not "to release" once
they are released), with their status."""

from django.urls import reverse

from apps.plm.services.changes import (
    change_order_approve,
    change_order_create,
    change_order_release,
    change_order_submit,
)
from tests.plm.conftest import draft


def test_the_revisions_section_reads_right_before_and_after_the_release(client, company, engineer, quality,
                                                                         new_item):
    revision = draft(new_item("PUMP-7"))
    order = change_order_create(company=company, title="First pump", actor=engineer, revisions=[revision])
    url = reverse("plm:changeorder_detail", args=[order.pk])
    client.force_login(engineer)
    before = client.get(url).content.decode()
    assert 'aria-label="Revisions on this order"' in before
    assert "Revisions to release" not in before
    change_order_submit(change_order=order, actor=engineer)
    change_order_approve(change_order=order, actor=engineer)
    change_order_approve(change_order=order, actor=quality)
    change_order_release(change_order=order, actor=engineer)
    after = client.get(url).content.decode()
    assert 'aria-label="Revisions on this order"' in after
    assert "Revisions to release" not in after
    assert "<td>Released</td>" in after
