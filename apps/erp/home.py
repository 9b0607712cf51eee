"""ERP on the home page: draft entries to post, open periods past their end."""

from django.utils import timezone

from apps.core.home import register_queue

register_queue("ERP", "Draft journal entries to post", "erp:journalentry_list", {"status": "draft"},
               "erp.change_journalentry", help="Drafts count in no report until they are posted.")
register_queue("ERP", "Open periods past their end", "erp:period_list",
               lambda: {"status": "open", "end_before": timezone.localdate().isoformat()}, "erp.change_period",
               style="warning", help="Close them once every flow of the month is delivered.")
