"""Serializers of machine signals: the stored rows (read) and the bulk input rows (write)."""

from rest_framework import serializers

from apps.core.api.serializers import SuiteModelSerializer, SuiteSerializer
from apps.mes.choices import SignalKind
from apps.mes.models import MachineSignal
from apps.mes.signal_contract import MAX_COUNT, MAX_REASON, SIGNAL_STATES

MAX_ROWS = 5000


class MachineSignalSerializer(SuiteModelSerializer):
    equipment_code = serializers.CharField(source="equipment.code", read_only=True)
    work_center_code = serializers.CharField(source="work_center.code", read_only=True)
    state = serializers.CharField(read_only=True, help_text="running, idle or down; empty for a count.")

    class Meta:
        model = MachineSignal
        fields = ["id", "company", "equipment", "equipment_code", "work_center", "work_center_code", "kind", "ts",
                  "state", "reason", "good", "scrap", "operation", "created_at", "updated_at"]
        read_only_fields = fields


class MachineSignalInputSerializer(SuiteSerializer):
    """One signal as a gateway posts it: the codes of its equipment and work center, as on the MQTT topic."""

    equipment = serializers.CharField(max_length=40, help_text="Equipment code.")
    work_center = serializers.CharField(max_length=20, help_text="Work center code.")
    kind = serializers.ChoiceField(choices=SignalKind.choices)
    ts = serializers.DateTimeField(help_text="ISO-8601 with a UTC offset; not in the future, not older than the "
                                             "signal retention.")
    state = serializers.ChoiceField(choices=[(s.value, s.label) for s in SIGNAL_STATES], required=False,
                                    help_text="For kind=state.")
    reason = serializers.CharField(max_length=MAX_REASON, required=False, allow_blank=True, default="",
                                   help_text="The machine's reason code of a stop.")
    good = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, default=0)
    scrap = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, default=0)

    def validate(self, attrs):
        if attrs["kind"] == SignalKind.STATE and not attrs.get("state"):
            raise serializers.ValidationError({"state": ["Required for a state signal."]})
        return attrs


class MachineSignalBulkResultSerializer(SuiteSerializer):
    stored = serializers.IntegerField(help_text="Signals stored now.")
    duplicates = serializers.IntegerField(help_text="Signals already stored before (ignored).")


class CompanyQuerySerializer(SuiteSerializer):
    company = serializers.IntegerField(min_value=1, required=False,
                                       help_text="The company the signals belong to; default: your only company.")
