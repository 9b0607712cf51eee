"""A quote's page lists its lines once: in its own table with the totals and availability (not a second time in
the generic list of the form's rows), its amounts formatted as on the rest of the suite."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.crm.services.quotes import quote_create

D = Decimal


@pytest.mark.django_db
def test_the_quote_page_lists_each_line_once(client, company, customer, product, sales):
    quote = quote_create(company=company, actor=sales, customer=customer,
                         lines=[{"item": product, "quantity": D(5), "unit_price": D(450), "tax_rate": D(19)}])
    client.force_login(sales)
    page = client.get(reverse("crm:quote_detail", args=[quote.pk])).content.decode()
    assert 'data-testid="quote-lines"' in page
    assert page.count(f'href="{product.get_absolute_url()}"') == 1
    assert '<h2 class="card-header fw-bold h6 mb-0">Lines</h2>' not in page
    # amounts read as everywhere else in the suite (the opportunity says 2,250.00 too)
    assert '<th class="text-end" data-testid="total">2,250.00</th>' in page
    assert 'data-testid="total-with-tax">2,677.50<' in page
    assert '<td class="text-end">2,250.00</td><td class="text-end">427.50</td>' in page
    # the edit form still has the lines
    form = client.get(reverse("crm:quote_update", args=[quote.pk])).content.decode()
    assert 'name="lines-0-quantity"' in form
