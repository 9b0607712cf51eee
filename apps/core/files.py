"""Private files, written once: uploads are size-checked, downloads go only through authenticated views.

Attachments and engineering documents are stored under MEDIA_ROOT, which is never served by URL. A
download view first finds the record through the company scoping and the role's view permission (another
company's file answers 404), then answers with `download_response`: always `Content-Disposition:
attachment`, `X-Content-Type-Options: nosniff` and a sandboxing CSP, and never an active content type
(an uploaded `.html` or `.svg` downloads as bytes, it never runs on the suite's origin).
"""

import mimetypes

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse

from apps.core.errors import DomainError, PayloadTooLargeError

# types a browser would render or run in the suite's origin if served inline
ACTIVE_CONTENT_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/javascript",
    "application/javascript", "application/x-javascript", "text/css", "application/pdf+html",
})


def max_upload_bytes() -> int:
    """The largest file one upload may carry (setting `MAX_UPLOAD_MB`, default 25)."""
    return int(settings.MAX_UPLOAD_MB * 1024 * 1024)


def check_upload(file: UploadedFile | None, *, field: str = "file") -> UploadedFile:
    """Refuse a missing, empty or too large upload, naming the field (too large answers 413)."""
    if file is None:
        raise DomainError(field, "Choose a file to upload.", code="required")
    if file.size == 0:
        raise DomainError(field, "The file is empty.", code="empty")
    limit = max_upload_bytes()
    if file.size > limit:
        raise PayloadTooLargeError(field, f"The file is {file.size / 1024 / 1024:.1f} MB; files are limited to "
                                          f"{settings.MAX_UPLOAD_MB:g} MB.", extra={"max_bytes": limit})
    return file


def safe_content_type(filename: str) -> str:
    """The type a download is sent as: guessed from the name, but never one a browser would run."""
    guessed, _encoding = mimetypes.guess_type(filename)
    if not guessed or guessed in ACTIVE_CONTENT_TYPES or guessed.startswith("text/"):
        return "application/octet-stream"
    return guessed


def download_response(fieldfile, filename: str) -> FileResponse:
    """Serve a stored file as a download that can never render or run in the suite's origin."""
    response = FileResponse(fieldfile.open("rb"), as_attachment=True, filename=filename,
                            content_type=safe_content_type(filename))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
