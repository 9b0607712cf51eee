"""FilterSets of the PLM API."""

import django_filters

from apps.plm.models import BomLine, ChangeOrder, ChangeRequest, Document, Item, Revision


class ItemFilterSet(django_filters.FilterSet):
    class Meta:
        model = Item
        fields = ["number", "item_type", "tracking", "lifecycle_state", "category", "uom"]


class RevisionFilterSet(django_filters.FilterSet):
    class Meta:
        model = Revision
        fields = ["item", "status", "code"]


class BomLineFilterSet(django_filters.FilterSet):
    class Meta:
        model = BomLine
        fields = ["revision", "component"]


class DocumentFilterSet(django_filters.FilterSet):
    class Meta:
        model = Document
        fields = ["item", "revision", "checksum"]


class ChangeOrderFilterSet(django_filters.FilterSet):
    class Meta:
        model = ChangeOrder
        fields = ["status", "number", "change_request"]


class ChangeRequestFilterSet(django_filters.FilterSet):
    class Meta:
        model = ChangeRequest
        fields = ["status", "source", "number"]
