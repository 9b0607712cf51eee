"""The PLM screens: lists, details (BOM tree, where-used), BOM editor, ECO buttons, compare, import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.plm.models import BomLine, Item
from apps.plm.services.changes import change_order_approve, change_order_create, change_order_submit
from tests.plm.conftest import draft
from tests.plm.factories import unit

pytestmark = pytest.mark.django_db


def test_item_list_and_detail_show_tree_and_where_used(web, tractor):
    listing = web.get(reverse("plm:item_list"))
    assert listing.status_code == 200
    assert "TR-1" in listing.content.decode()
    assert "Import" in listing.content.decode()
    detail = web.get(reverse("plm:item_detail", args=[tractor["TR-1"].pk])).content.decode()
    assert detail.count('data-testid="bom-node"') == 7
    assert "<details" in detail
    assert "PAINT-1" in detail
    used = web.get(reverse("plm:item_detail", args=[tractor["BOLT-1"].pk])).content.decode()
    assert 'id="where-used"' in used
    assert "WHEEL-1" in used


def test_item_create_form_shows_field_error(web):
    response = web.post(reverse("plm:item_create"), {"number": "bad number", "name": "x", "item_type": "buy",
                                                     "uom": unit("ea").pk, "tracking": "none", "standard_cost": "0"})
    assert response.status_code == 400
    assert not Item.objects.exists()
    ok = web.post(reverse("plm:item_create"), {"number": "BK-1", "name": "Bracket", "item_type": "buy",
                                               "uom": unit("ea").pk, "tracking": "none", "standard_cost": "1"})
    assert ok.status_code == 302
    assert Item.objects.get().revisions.get().code == "A"


def _bom_form(revision, rows, initial=0):
    data = {"effective_from": "", "notes": "", "bom_lines-TOTAL_FORMS": str(len(rows)),
            "bom_lines-INITIAL_FORMS": str(initial), "bom_lines-MIN_NUM_FORMS": "0", "bom_lines-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"bom_lines-{i}-{key}"] = value
    return data


def test_bom_editor_saves_lines_and_shows_rule_errors_on_the_row(web, new_item):
    parent, part = new_item("ASM-1"), new_item("PART-1", uom="kg")
    revision = draft(parent)
    url = reverse("plm:revision_update", args=[revision.pk])
    assert web.get(url).status_code == 200
    bad = web.post(url, _bom_form(revision, [{"position": "10", "component": part.pk, "quantity": "2",
                                              "uom": unit("m").pk, "scrap_percent": "0"}]))
    assert bad.status_code == 400
    assert "cannot be converted" in bad.content.decode()
    good = web.post(url, _bom_form(revision, [{"position": "10", "component": part.pk, "quantity": "2",
                                               "uom": unit("kg").pk, "scrap_percent": "0"}]))
    assert good.status_code == 302
    line = BomLine.objects.get()
    # saving the form again without touching the line keeps it (unchanged rows are not dropped)
    again = web.post(url, {**_bom_form(revision, [{"id": line.pk, "position": "10", "component": part.pk,
                                                   "quantity": "2.0000", "uom": unit("kg").pk,
                                                   "scrap_percent": "0.0000"}], initial=1), "notes": "checked"})
    assert again.status_code == 302
    assert BomLine.objects.count() == 1


def test_eco_buttons_only_when_allowed(client, engineer, quality, make_user, company, new_item):
    item = new_item("BK-1")
    order = change_order_create(company=company, title="T", actor=engineer, revisions=[draft(item)])
    url = reverse("plm:changeorder_detail", args=[order.pk])

    def buttons(user):
        client.force_login(user)
        page = client.get(url).content.decode()
        return {verb for verb in ("submit", "approve", "reject", "release", "cancel")
                if f'name="verb" value="{verb}"' in page}

    assert buttons(engineer) == {"submit", "cancel"}
    assert buttons(quality) == set()
    change_order_submit(change_order=order, actor=engineer)
    assert buttons(quality) == {"approve", "reject"}
    assert buttons(make_user(company, "Manager", username="mona")) == set()
    change_order_approve(change_order=order, actor=engineer)
    assert buttons(engineer) == {"reject", "cancel"}
    client.force_login(quality)
    response = client.post(reverse("plm:changeorder_action", args=[order.pk, "approve"]), {"comment": "fine"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "approved"
    assert buttons(engineer) == {"release", "cancel"}
    assert buttons(quality) == set()


def test_compare_page(web, tractor):
    a, b = draft(tractor["FRAME-1"]), draft(tractor["WHEEL-1"])
    page = web.get(reverse("plm:bom_compare"), {"a": a.pk, "b": b.pk}).content.decode()
    assert 'id="added"' in page
    assert "RIM-1" in page
    assert "TUBE-1" in page


def test_import_page_preview_then_confirm(web):
    csv = b"number,name,uom\nBK-1,Bracket,ea\nBK-2,,ea\n"
    preview = web.post(reverse("plm:item_import"), {"step": "preview", "file": SimpleUploadedFile("i.csv", csv)})
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "name: Required." in page
    assert "Confirm import" not in page
    assert not Item.objects.exists()
    good = b"number,name,uom\nBK-1,Bracket,ea\n"
    preview = web.post(reverse("plm:item_import"), {"step": "preview", "file": SimpleUploadedFile("i.csv", good)})
    assert "Confirm import" in preview.content.decode()
    assert not Item.objects.exists()
    confirmed = web.post(reverse("plm:item_import"), {"step": "confirm"})
    assert confirmed.status_code == 302
    assert list(Item.objects.values_list("number", flat=True)) == ["BK-1"]


def test_document_upload_and_download_page(web, new_item):
    item = new_item("BK-1")
    response = web.post(reverse("plm:document_create"), {"item": item.pk, "title": "Drawing", "version": "1",
                                                         "file": SimpleUploadedFile("d.pdf", b"pdf")})
    assert response.status_code == 302, response.content.decode()[:2000]
    document = item.documents.get()
    download = web.get(reverse("plm:document_download", args=[document.pk]))
    assert b"".join(download.streaming_content) == b"pdf"


def test_other_company_pages_answer_404(web, other_company, new_item):
    foreign = new_item("OW-1", target=other_company)
    assert web.get(reverse("plm:item_detail", args=[foreign.pk])).status_code == 404
    assert web.get(reverse("plm:revision_update", args=[draft(foreign).pk])).status_code == 404
