"""The request guard: hostile input is refused before any view runs (API and UI alike).

* A NUL character in the path, a query parameter, a header or a submitted form field answers 400 naming it:
  PostgreSQL cannot store or even compare text containing NUL, so without this every search box, scan field
  and filter would be a 500 waiting to happen.
* A body larger than the suite accepts answers 413 (`MAX_REQUEST_BODY_MB`; multipart uploads
  `MAX_UPLOAD_MB` plus room for the form around the file).
* Under `/api/`, a 404 that no view answered (an unknown path) is problem+json like every other API error.

JSON bodies (nesting depth, NUL characters in strings and keys) are checked by the API's parser
(`apps.core.api.parsers.SuiteJSONParser`), which knows the path of each value.
"""

from django.conf import settings

from apps.core.api.errors import problem_response
from apps.core.limits import contains_nul

MB = 1024 * 1024


def body_limit(request) -> int:
    """The largest body (bytes) the request may carry."""
    if request.content_type == "multipart/form-data":
        return int((settings.MAX_UPLOAD_MB + settings.MAX_REQUEST_BODY_MB) * MB)
    return int(settings.MAX_REQUEST_BODY_MB * MB)


def nul_location(request, *, with_form: bool) -> str | None:
    """The name of the first part of the request that carries a NUL character, or None."""
    if contains_nul(request.path):
        return "path"
    for name, values in request.GET.lists():
        if contains_nul(name) or any(contains_nul(value) for value in values):
            return name.replace("\x00", "\\x00")
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and contains_nul(value):
            return key[5:].replace("_", "-").title()
    if with_form and request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for name, values in request.POST.lists():
            if contains_nul(name) or any(contains_nul(value) for value in values):
                return name.replace("\x00", "\\x00")
    return None


class RequestGuardMiddleware:
    """See the module docstring; placed first, so nothing else (sessions, CSRF, auth) sees a refused request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith("/api/")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request)
        if length > limit:
            return problem_response(413, "too_large", f"The request body is {length / MB:.1f} MB; at most "
                                    f"{limit / MB:g} MB are accepted.", attr="body", extra={"max_bytes": limit})
        # API form bodies are read by DRF's parsers (an unsupported one must still answer 415); their text
        # fields refuse NUL characters themselves
        if location := nul_location(request, with_form=not is_api):
            return problem_response(400, "invalid", "NUL characters (\\x00) are not allowed.", attr=location)
        response = self.get_response(request)
        if is_api and response.status_code == 404 and not response.get("Content-Type", "").startswith(
                ("application/problem+json", "application/json")):
            return problem_response(404, "not_found", "No such resource.")
        return response
