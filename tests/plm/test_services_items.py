"""Items, revisions, documents and the item import."""

import hashlib
from decimal import Decimal

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.errors import ConflictError, DomainError
from apps.core.models import AuditRecord
from apps.plm.models import Document, Item, Revision
from apps.plm.services.documents import document_add, document_delete, document_update
from apps.plm.services.imports import items_import, read_dataset
from apps.plm.services.items import (
    item_create,
    item_delete,
    item_obsolete,
    item_update,
    next_revision_code,
    revision_create,
    revision_revise,
    revision_update,
)
from tests.plm.conftest import draft
from tests.plm.factories import unit

pytestmark = pytest.mark.django_db


def test_create_item_in_draft_with_revision_a(company, user):
    item = item_create(company=company, number="bk-100", name="Bracket", uom=unit("ea"), actor=user)
    assert (item.number, item.lifecycle_state, item.current_revision) == ("BK-100", "draft", None)
    assert list(item.revisions.values_list("code", "status")) == [("A", "draft")]
    assert AuditRecord.objects.filter(object_id=str(item.pk), action="create", content_type__model="item").count() == 1


@pytest.mark.parametrize("number", ["", "x", "BAD NUMBER", "-LEADING", "É-1"])
def test_invalid_item_number_is_rejected(company, user, number):
    with pytest.raises(DomainError) as exc:
        item_create(company=company, number=number, name="x", uom=unit("ea"), actor=user)
    assert exc.value.field == "number"
    assert not Item.objects.exists()


def test_item_number_unique_per_company(company, other_company, user):
    item_create(company=company, number="BK-1", name="x", uom=unit("ea"), actor=user)
    with pytest.raises(DomainError) as exc:
        item_create(company=company, number="BK-1", name="y", uom=unit("ea"), actor=user)
    assert (exc.value.field, exc.value.code) == ("number", "unique")
    assert item_create(company=other_company, number="BK-1", name="z", uom=unit("ea"), actor=user).pk


def test_negative_standard_cost_is_rejected(company, user):
    with pytest.raises(DomainError) as exc:
        item_create(company=company, number="BK-1", name="x", uom=unit("ea"), standard_cost=Decimal(-1), actor=user)
    assert exc.value.field == "standard_cost"


def test_released_item_keeps_its_unit(new_item, release, user):
    item = new_item("BK-1")
    release(item)
    item.refresh_from_db()
    with pytest.raises(ConflictError) as exc:
        item_update(instance=item, uom=unit("kg"), actor=user)
    assert exc.value.field == "uom"
    updated = item_update(instance=item, name="Bracket, zinc plated", actor=user)
    assert updated.name == "Bracket, zinc plated"


def test_released_item_cannot_be_deleted_but_draft_can(new_item, release, user):
    released, drafted = new_item("BK-1"), new_item("BK-2")
    release(released)
    with pytest.raises(ConflictError):
        item_delete(instance=released, actor=user)
    item_delete(instance=drafted, actor=user)
    assert list(Item.objects.values_list("number", flat=True)) == ["BK-1"]


def test_obsolete_item_obsoletes_its_revisions(new_item, release, user):
    item = new_item("BK-1")
    release(item)
    item_obsolete(item=item, actor=user)
    item.refresh_from_db()
    assert item.lifecycle_state == "obsolete"
    assert list(item.revisions.values_list("status", flat=True)) == ["obsolete"]
    with pytest.raises(ConflictError):
        item_obsolete(item=item, actor=user)


def test_revision_codes_run_a_to_z_then_aa(new_item):
    item = new_item("BK-1")
    assert next_revision_code(item) == "B"
    Revision.objects.filter(item=item).update(code="Z")
    assert next_revision_code(item) == "AA"
    Revision.objects.filter(item=item).update(code="AZ")
    assert next_revision_code(item) == "BA"


def test_revise_copies_lines_and_documents_from_released(new_item, add_line, release, user):
    parent, part = new_item("ASM-1"), new_item("PART-1")
    add_line(parent, part, "3", scrap="5")
    document_add(revision=draft(parent), file=SimpleUploadedFile("a.pdf", b"spec"), title="Spec", actor=user)
    release(parent, part)
    released = parent.revisions.get(code="A")
    new = revision_revise(revision=released, actor=user)
    assert (new.code, new.status, new.copied_from_id) == ("B", "draft", released.pk)
    assert list(new.bom_lines.values_list("component__number", "quantity", "scrap_percent")) == [
        ("PART-1", Decimal(3), Decimal(5))]
    assert list(new.documents.values_list("title", "checksum")) == [("Spec", hashlib.sha256(b"spec").hexdigest())]
    assert released.bom_lines.count() == 1
    assert released.documents.count() == 1


def test_only_one_revision_in_work_per_item(new_item, user):
    item = new_item("BK-1")
    with pytest.raises(ConflictError) as exc:
        revision_create(item=item, actor=user)
    assert exc.value.field == "item"


def test_released_revision_is_immutable(new_item, release, user):
    item = new_item("BK-1")
    release(item)
    revision = item.revisions.get()
    with pytest.raises(ConflictError) as exc:
        revision_update(instance=revision, notes="edited", actor=user)
    assert exc.value.status_code == 409
    revision.refresh_from_db()
    assert revision.notes == ""


def test_document_checksum_is_computed_and_verified(new_item, user):
    item = new_item("BK-1")
    doc = document_add(item=item, file=SimpleUploadedFile("d.pdf", b"drawing"), title="Drawing", version="2",
                       actor=user, checksum=hashlib.sha256(b"drawing").hexdigest())
    assert (doc.checksum, doc.size, doc.uploaded_by, doc.file_name) == (
        hashlib.sha256(b"drawing").hexdigest(), 7, user, "d.pdf")
    with pytest.raises(DomainError) as exc:
        document_add(item=item, file=SimpleUploadedFile("e.pdf", b"x"), title="E", checksum="ab" * 32, actor=user)
    assert exc.value.field == "checksum"
    assert Document.objects.count() == 1


def test_documents_of_a_released_revision_are_frozen(new_item, release, user):
    item = new_item("BK-1")
    doc = document_add(revision=draft(item), file=SimpleUploadedFile("d.pdf", b"v1"), title="D", actor=user)
    release(item)
    revision = item.revisions.get()
    with pytest.raises(ConflictError):
        document_add(revision=revision, file=SimpleUploadedFile("e.pdf", b"x"), title="E", actor=user)
    with pytest.raises(ConflictError):
        document_update(instance=doc, file=SimpleUploadedFile("d.pdf", b"v2"), actor=user)
    with pytest.raises(ConflictError):
        document_delete(instance=doc, actor=user)
    doc.refresh_from_db()
    assert doc.checksum == hashlib.sha256(b"v1").hexdigest()


def _dataset(rows):
    data = tablib.Dataset(headers=["number", "name", "item_type", "uom", "tracking", "standard_cost"])
    for row in rows:
        data.append(row)
    return data


def test_import_dry_run_previews_and_writes_nothing(company, user, new_item):
    new_item("BK-1")
    data = _dataset([("BK-1", "Bracket v2", "make", "ea", "none", "3.5"), ("BK-2", "Bolt", "buy", "ea", "lot", "0.1"),
                     ("bad num", "X", "weird", "zz", "none", "-1")])
    result = items_import(company=company, dataset=data, actor=user, dry_run=True)
    assert [(r.line, r.number, r.action) for r in result.rows] == [
        (2, "BK-1", "update"), (3, "BK-2", "create"), (4, "BAD NUM", "error")]
    assert set(result.rows[2].errors) == {"number", "item_type", "uom", "standard_cost"}
    assert result.totals() == {"create": 1, "update": 1, "unchanged": 0, "error": 1}
    assert list(Item.objects.values_list("number", "name")) == [("BK-1", "Item BK-1")]


def test_import_with_errors_writes_nothing_even_when_confirmed(company, user):
    data = _dataset([("BK-2", "Bolt", "buy", "ea", "none", "1"), ("BK-3", "", "buy", "ea", "none", "1")])
    result = items_import(company=company, dataset=data, actor=user, dry_run=False)
    assert result.rows[1].errors == {"name": "Required."}
    assert not Item.objects.exists()


def test_import_creates_and_updates(company, user, new_item):
    new_item("BK-1")
    data = _dataset([("BK-1", "Bracket v2", "make", "ea", "none", "3.5"), ("BK-2", "Bolt", "buy", "ea", "lot", "0.1")])
    items_import(company=company, dataset=data, actor=user, dry_run=False)
    assert list(Item.objects.values_list("number", "name", "tracking", "standard_cost")) == [
        ("BK-1", "Bracket v2", "none", Decimal("3.5")), ("BK-2", "Bolt", "lot", Decimal("0.1"))]


def test_read_dataset_csv_and_xlsx():
    csv = read_dataset(content=b"number,name,uom\nBK-1,Bracket,ea\n", filename="items.csv")
    assert csv.dict == [{"number": "BK-1", "name": "Bracket", "uom": "ea"}]
    xlsx = read_dataset(content=csv.export("xlsx"), filename="items.xlsx")
    assert xlsx.dict[0]["number"] == "BK-1"
    with pytest.raises(DomainError) as exc:
        read_dataset(content=b"x", filename="items.pdf")
    assert exc.value.field == "file"
