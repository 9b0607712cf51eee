"""Every resource's detail page shows each list of child rows once: an inline shown by the generic detail page
(`Inline.on_detail`) is neither a declared related list too nor listed again by the resource's own template."""

import re

from django.template.loader import get_template
from django.urls import get_resolver

from apps.core.ui.resource import Resource, declared_resources


def resources() -> list[type[Resource]]:
    get_resolver().url_patterns  # noqa: B018  (imports every app's URLs, so every resource is declared)
    return [resource for resource in declared_resources() if resource.model is not None]


def test_there_are_resources_to_check():
    names = {resource.__name__ for resource in resources()}
    assert {"JournalEntryResource", "ShipmentResource", "SalesOrderResource"} <= names


def test_no_detail_page_lists_an_inline_twice():
    doubled = []
    for resource in resources():
        source = get_template(resource.detail_template).template.source
        related = {rel.accessor for rel in resource.related if isinstance(rel.accessor, str)}
        for inline in resource.inlines:
            if not inline.on_detail:
                continue
            own_loop = re.search(rf"{{%\s*for\s[^%]*\sin\s+(object\.)?{inline.related_name}\b", source)
            if inline.related_name in related or own_loop:
                doubled.append(f"{resource.__name__}.{inline.related_name}")
    assert doubled == []
