"""The API's JSON parser: a body nested deeper than `MAX_JSON_DEPTH` or carrying NUL characters answers 400
naming where (`lines.2.notes`), before any serializer or service sees it.

Python's JSON decoder overflows its stack on a few thousand nested brackets (a RecursionError, which DRF would
turn into a 500), and PostgreSQL refuses text containing NUL (which a JSONField or a free-form payload would
otherwise pass straight through).
"""

from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from apps.core.limits import contains_nul

MAX_JSON_DEPTH = 32


def check_json(value, path: str = "", depth: int = 0) -> None:
    """Raise a ValidationError naming the first value nested too deep or carrying a NUL character."""
    if depth > MAX_JSON_DEPTH:
        raise exceptions.ValidationError({path or "body": [f"Nested deeper than {MAX_JSON_DEPTH} levels."]})
    if isinstance(value, str):
        if contains_nul(value):
            raise exceptions.ValidationError({path or "body": ["NUL characters (\\x00) are not allowed."]})
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if contains_nul(key):
                raise exceptions.ValidationError({where.replace("\x00", "\\x00"): [
                    "NUL characters (\\x00) are not allowed in names."]})
            check_json(item, where, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{path}.{index}" if path else str(index), depth + 1)


class SuiteJSONParser(JSONParser):
    """DRF's JSONParser (strict: no NaN or Infinity) plus the depth and NUL checks of `check_json`."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ValidationError(
                {"body": [f"Nested deeper than {MAX_JSON_DEPTH} levels."]}) from None
        check_json(data)
        return data
