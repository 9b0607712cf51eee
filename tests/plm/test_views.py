"""The PLM screens: lists, details (BOM tree, where-used), BOM editor, ECO buttons, compare, import."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.models import AuditRecord
from apps.plm.models import BomLine, Document, Item
from apps.plm.services.changes import change_order_approve, change_order_create, change_order_submit
from apps.plm.services.documents import document_add
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


# ---- documents: upload pre-selection, replace (new version), delete; frozen once the revision is released ----


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def drawing(new_item, user):
    """A drawing on the draft revision A of BK-1."""
    item = new_item("BK-1")
    return document_add(file=SimpleUploadedFile("bk-a.pdf", b"%PDF rev A"), title="Bracket drawing",
                        revision=draft(item), actor=user)


def test_upload_links_preselect_the_item_and_the_revision(web, new_item):
    item = new_item("BK-1")
    revision = draft(item)
    create = reverse("plm:document_create")
    assert f'href="{create}?item={item.pk}"' in web.get(reverse("plm:item_detail", args=[item.pk])).content.decode()
    revision_page = web.get(reverse("plm:revision_detail", args=[revision.pk])).content.decode()
    assert f'href="{create}?item={item.pk}&amp;revision={revision.pk}"' in revision_page
    form = web.get(create, {"item": item.pk, "revision": revision.pk}).context["form"]
    assert (form["item"].value(), form["revision"].value(), form["title"].value()) == (
        str(item.pk), str(revision.pk), None)
    page = web.get(create, {"revision": revision.pk}).content.decode()
    assert f'<option value="{revision.pk}" selected>' in page


def test_replace_uploads_a_new_version_of_a_draft_revisions_document(web, drawing):
    url = reverse("plm:document_replace", args=[drawing.pk])
    form = web.get(url).context["form"]
    assert (form["version"].value(), form["title"].value()) == ("2", "Bracket drawing")
    response = web.post(url, {"file": SimpleUploadedFile("bk-a2.pdf", b"%PDF rev A, hole moved"), "version": "2",
                              "title": "Bracket drawing"})
    assert response.status_code == 302
    assert response["Location"] == reverse("plm:document_detail", args=[drawing.pk])
    drawing.refresh_from_db()
    assert (drawing.version, drawing.file_name, drawing.size, drawing.checksum) == (
        "2", "bk-a2.pdf", 22, hashlib.sha256(b"%PDF rev A, hole moved").hexdigest())
    download = web.get(reverse("plm:document_download", args=[drawing.pk]))
    assert b"".join(download.streaming_content) == b"%PDF rev A, hole moved"
    record = AuditRecord.objects.filter(content_type__model="document", object_id=str(drawing.pk),
                                        action="update").get()
    assert {field for field, _old, _new in record.changes} >= {"version", "checksum", "file_name", "size"}


def test_replace_without_a_file_shows_the_field_error(web, drawing):
    response = web.post(reverse("plm:document_replace", args=[drawing.pk]), {"version": "2", "title": "X"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"file": ["This field is required."]}
    drawing.refresh_from_db()
    assert (drawing.version, drawing.title) == ("1", "Bracket drawing")


def test_delete_asks_then_removes_the_document_and_audits_it(web, drawing):
    url = reverse("plm:document_delete", args=[drawing.pk])
    confirm = web.get(url)
    assert confirm.status_code == 200
    assert b'data-testid="document-delete"' in confirm.content
    assert Document.objects.filter(pk=drawing.pk).exists()  # a GET deletes nothing
    response = web.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("plm:revision_detail", args=[drawing.revision_id])
    assert not Document.objects.filter(pk=drawing.pk).exists()
    record = AuditRecord.objects.filter(content_type__model="document", object_id=str(drawing.pk),
                                        action="delete").get()
    assert (record.actor.username, record.changes != []) == ("alice", True)


def test_released_revision_refuses_replace_and_delete_with_a_clear_message(web, drawing, release):
    release(drawing.item)
    frozen = "Revision BK-1 rev A is released; its documents are frozen. Start a new revision."
    detail = web.get(reverse("plm:document_detail", args=[drawing.pk])).content.decode()
    assert frozen in detail
    assert reverse("plm:document_replace", args=[drawing.pk]) not in detail
    assert reverse("plm:document_delete", args=[drawing.pk]) not in detail
    replace = web.post(reverse("plm:document_replace", args=[drawing.pk]),
                       {"file": SimpleUploadedFile("x.pdf", b"x"), "version": "2", "title": "X"}, follow=True)
    assert _messages(replace) == [frozen]
    assert replace.redirect_chain == [(reverse("plm:document_detail", args=[drawing.pk]), 302)]
    delete = web.post(reverse("plm:document_delete", args=[drawing.pk]), follow=True)
    assert _messages(delete) == [frozen]
    drawing.refresh_from_db()
    assert (drawing.version, drawing.checksum) == ("1", hashlib.sha256(b"%PDF rev A").hexdigest())
    assert list(AuditRecord.objects.filter(object_id=str(drawing.pk), content_type__model="document")
                .values_list("action", flat=True)) == ["create"]


def test_document_screens_answer_404_for_another_company_and_403_without_permission(
        client, web, make_user, company, other_company, new_item, user, drawing):
    foreign = document_add(file=SimpleUploadedFile("f.pdf", b"f"), title="Foreign",
                           item=new_item("OW-1", target=other_company), actor=user)
    for name in ("document_replace", "document_delete"):
        assert web.get(reverse(f"plm:{name}", args=[foreign.pk])).status_code == 404
        assert web.post(reverse(f"plm:{name}", args=[foreign.pk])).status_code == 404
    client.force_login(make_user(company, "Quality", username="quinn"))
    assert client.post(reverse("plm:document_replace", args=[drawing.pk]),
                       {"file": SimpleUploadedFile("q.pdf", b"q"), "version": "2", "title": "Q"}).status_code == 403
    assert client.post(reverse("plm:document_delete", args=[drawing.pk])).status_code == 403
    assert Document.objects.filter(pk=drawing.pk, version="1").exists()


def test_bom_editor_add_row_template_offers_only_this_companys_items(web, new_item, other_company):
    """The "Add row" template is the formset's empty_form, rebuilt on every access: it must be scoped too."""
    parent, mine = new_item("ASM-9"), new_item("MINE-1")
    foreign = Item.objects.create(company=other_company, number="THEIRS-1", name="Foreign part",
                                  uom=unit("ea"))
    page = web.get(reverse("plm:revision_update", args=[draft(parent).pk])).content.decode()
    template = page[page.index('<template class="formset-empty">'):]
    template = template[:template.index("</template>")]
    # a searchable picker: the page lists no items at all, its endpoint offers this company's
    assert 'name="bom_lines-__prefix__-component"' in template
    assert 'data-picker="remote"' in template
    assert str(foreign) not in page
    offered = web.get(reverse("core:autocomplete", args=["plm.item"])).json()["results"]
    assert {row["text"] for row in offered} == {str(parent), str(mine)}
