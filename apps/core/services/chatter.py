"""Notes and attachments on any record (the chatter panel)."""

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction

from apps.core.audit import company_of, record_change
from apps.core.errors import DomainError
from apps.core.files import check_upload
from apps.core.models import Attachment, Note


def sha256_of(upload: UploadedFile) -> str:
    """SHA-256 of an uploaded file, read in chunks."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def note_add(*, target: models.Model, body: str, actor) -> Note:
    """Leave a note on a record."""
    if not body.strip():
        raise DomainError("body", "A note cannot be empty.")
    note = Note.objects.create(
        company_id=company_of(target), content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk), body=body.strip(), author=actor,
    )
    record_change(note, actor=actor, action="create")
    return note


@transaction.atomic
def attachment_add(*, target: models.Model, file: UploadedFile, actor, name: str = "") -> Attachment:
    """Attach a file to a record, with its size and SHA-256 checksum."""
    check_upload(file)
    attachment = Attachment(
        company_id=company_of(target), content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk), name=(name or file.name)[:200], size=file.size, sha256=sha256_of(file),
        uploaded_by=actor,
    )
    attachment.file.save(file.name, file, save=False)
    attachment.save()
    record_change(attachment, actor=actor, action="create")
    return attachment
