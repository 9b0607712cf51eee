"""Renderers of the endpoints that answer with a file rather than JSON.

DRF negotiates the response type before the view runs: without a renderer that declares `application/pdf`, a
client asking for `Accept: application/pdf` would get 406 from an endpoint that only ever sends PDFs. Errors of
such an endpoint (404, 403) are still problem+json.
"""

from rest_framework.renderers import BaseRenderer, JSONRenderer


class FileRenderer(BaseRenderer):
    """Passes a file response through; renders an error (a dict) as JSON."""

    media_type = "application/octet-stream"
    format = "bin"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | bytearray):
            return data
        return JSONRenderer().render(data, "application/json", renderer_context)


class PDFRenderer(FileRenderer):
    """`Accept: application/pdf` (or `*/*`) for an endpoint that answers with a PDF."""

    media_type = "application/pdf"
    format = "pdf"


class DownloadRenderer(FileRenderer):
    """Any `Accept` for a download: the stored file's own type is sent, whatever the client expects."""

    media_type = "*/*"
