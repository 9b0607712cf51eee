"""Engineering documents: attach, replace, remove; a revision's documents freeze once it leaves draft."""

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.files import check_upload
from apps.core.models import Company
from apps.core.services.chatter import sha256_of
from apps.plm.choices import LifecycleState
from apps.plm.models import Document, Item, Revision


def _check_file(file: UploadedFile | None, checksum: str | None) -> str:
    check_upload(file)
    digest = sha256_of(file)
    if checksum and checksum.strip().lower() != digest:
        raise DomainError("checksum", f"The file's SHA-256 is {digest}, not the checksum given; the upload may be "
                                      "damaged.", code="checksum_mismatch")
    return digest


def _frozen(revision: Revision | None, item: Item) -> tuple[str, str] | None:
    if revision is not None and revision.is_locked:
        return "revision", (f"Revision {revision} is {revision.get_status_display().lower()}; its documents are "
                            "frozen. Start a new revision.")
    if revision is None and item.lifecycle_state == LifecycleState.OBSOLETE:
        return "item", f"{item.number} is obsolete."
    return None


def _check_frozen(revision: Revision | None, item: Item) -> None:
    frozen = _frozen(revision, item)
    if frozen:
        raise ConflictError(*frozen)


def document_frozen_reason(document: Document) -> str | None:
    """Why the document can no longer be replaced or deleted (its revision left draft), or None."""
    frozen = _frozen(document.revision, document.item)
    return frozen[1] if frozen else None


@transaction.atomic
def document_add(*, file: UploadedFile, title: str, actor, item: Item | None = None, revision: Revision | None = None,
                 version: str = "1", checksum: str | None = None, company: Company | None = None) -> Document:
    """Attach a drawing or specification to an item, or to one of its draft revisions."""
    if revision is not None:
        revision = Revision.objects.select_for_update().select_related("item").get(pk=revision.pk)
        if item is not None and item.pk != revision.item_id:
            raise DomainError("item", f"Revision {revision} belongs to {revision.item.number}, not {item.number}.")
        item = revision.item
    if item is None:
        raise DomainError("item", "Attach the document to an item or a revision.")
    if company is not None:
        require_same_company(company, item=item)
    _check_frozen(revision, item)
    if not (title or "").strip():
        raise DomainError("title", "Give the document a title.")
    digest = _check_file(file, checksum)
    document = Document(company_id=item.company_id, item=item, revision=revision, title=title.strip(),
                        version=(version or "1").strip(), checksum=digest, size=file.size,
                        file_name=file.name[:200], uploaded_by=actor)
    document.file.save(file.name, file, save=False)
    document.save()
    record_change(document, actor=actor, action="create")
    return document


@transaction.atomic
def document_update(*, instance: Document, actor, file: UploadedFile | None = None, title: str | None = None,
                    version: str | None = None, checksum: str | None = None, **ignored) -> Document:
    """Replace a document's file or change its title/version (not on a frozen revision)."""
    document = Document.objects.select_for_update(of=("self",)).select_related("revision", "item").get(pk=instance.pk)
    for name in ("item", "revision"):
        value = ignored.pop(name, None)
        if value is not None and value.pk != getattr(document, f"{name}_id"):
            raise DomainError(name, f"A document cannot move to another {name}.")
    if ignored:
        raise DomainError(sorted(ignored)[0], "This field cannot be changed here.")
    _check_frozen(document.revision, document.item)
    before = snapshot(document)
    if title is not None:
        if not title.strip():
            raise DomainError("title", "Give the document a title.")
        document.title = title.strip()
    if version is not None:
        document.version = version.strip() or document.version
    if file is not None:
        document.checksum = _check_file(file, checksum)
        document.size = file.size
        document.file_name = file.name[:200]
        document.file.save(file.name, file, save=False)
    document.save()
    record_change(document, actor=actor, action="update", before=before)
    return document


@transaction.atomic
def document_delete(*, instance: Document, actor) -> None:
    """Remove a document from an item or a draft revision."""
    document = Document.objects.select_for_update(of=("self",)).select_related("revision", "item").get(pk=instance.pk)
    _check_frozen(document.revision, document.item)
    record_change(document, actor=actor, action="delete", before=snapshot(document), after=None)
    document.delete()
