"""The generic detail page's values: to-many relations render as comma-separated links, escaped."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.core.ui.display import display_value
from tests.core.factories import UserFactory
from tests.plm.factories import ChangeRequestFactory, ItemFactory

pytestmark = pytest.mark.django_db


def test_many_to_many_field_is_a_comma_separated_list_of_links(company):
    bracket = ItemFactory(company=company, number="BK-1", name="Bracket")
    bolt = ItemFactory(company=company, number="BT-1", name="Bolt <M8>")
    request = ChangeRequestFactory(company=company)
    request.affected_items.set([bracket, bolt])
    value, link = display_value(request, "affected_items")
    assert link is None
    assert str(value) == (f'<a href="/plm/items/{bracket.pk}/">BK-1 Bracket</a>, '
                          f'<a href="/plm/items/{bolt.pk}/">BT-1 Bolt &lt;M8&gt;</a>')


def test_many_to_many_of_records_without_a_page_is_escaped_text():
    user = UserFactory()
    user.groups.set([Group.objects.get(name="Engineering"), Group.objects.create(name="R&D <lab>")])
    value, link = display_value(user, "groups")
    assert (str(value), link) == ("Engineering, R&amp;D &lt;lab&gt;", None)


def test_empty_many_to_many_is_empty(company):
    value, link = display_value(ChangeRequestFactory(company=company), "affected_items")
    assert (str(value), link) == ("", None)


@pytest.mark.urls("tests.core.display_urls")
def test_detail_page_shows_a_many_to_many_field_as_links(web, company):
    bracket = ItemFactory(company=company, number="BK-1", name="Bracket")
    bolt = ItemFactory(company=company, number="BT-1", name="Bolt")
    request = ChangeRequestFactory(company=company, number="ECR-X-1")
    request.affected_items.set([bolt, bracket])
    response = web.get(reverse("m2m:changerequest_detail", args=[request.pk]))
    assert response.status_code == 200
    assert [(label, str(value), link) for label, value, link in response.context["fields"]][-1] == (
        "Affected items", f'<a href="/plm/items/{bracket.pk}/">BK-1 Bracket</a>, '
                          f'<a href="/plm/items/{bolt.pk}/">BT-1 Bolt</a>', None)  # in item-number order
    assert (f'<dd class="col-sm-8"><a href="/plm/items/{bracket.pk}/">BK-1 Bracket</a>, '
            f'<a href="/plm/items/{bolt.pk}/">BT-1 Bolt</a></dd>') in response.content.decode()
