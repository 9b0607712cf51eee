"""FilterSets of the PLM API."""


from apps.core.api.filtersets import SuiteFilterSet
from apps.plm.models import BomLine, ChangeOrder, ChangeRequest, Document, Item, Revision


class ItemFilterSet(SuiteFilterSet):
    class Meta:
        model = Item
        fields = ["number", "item_type", "tracking", "lifecycle_state", "category", "uom"]


class RevisionFilterSet(SuiteFilterSet):
    class Meta:
        model = Revision
        fields = ["item", "status", "code"]


class BomLineFilterSet(SuiteFilterSet):
    class Meta:
        model = BomLine
        fields = ["revision", "component"]


class DocumentFilterSet(SuiteFilterSet):
    class Meta:
        model = Document
        fields = ["item", "revision", "checksum"]


class ChangeOrderFilterSet(SuiteFilterSet):
    class Meta:
        model = ChangeOrder
        fields = ["status", "number", "change_request"]


class ChangeRequestFilterSet(SuiteFilterSet):
    class Meta:
        model = ChangeRequest
        fields = ["status", "source", "number"]
