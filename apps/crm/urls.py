"""CRM browser URLs."""

from django.urls import path

from apps.crm import resources, views

app_name = "crm"

urlpatterns = [
    path("board/", views.board, name="board"),
    path("forecast/", views.forecast, name="forecast"),
    path("my-activities/", views.my_activities, name="my_activities"),
    path("customers/import/", views.customer_import, name="customer_import"),
    path("customers/<int:pk>/360/", views.customer_360, name="customer_360"),
    path("leads/import/", views.lead_import, name="lead_import"),
    path("leads/<int:pk>/merge/", views.lead_merge_view, name="lead_merge"),
    path("opportunities/<int:pk>/move/", views.opportunity_move_view, name="opportunity_move"),
    path("opportunities/<int:pk>/drop/", views.opportunity_drop, name="opportunity_drop"),
    path("opportunities/<int:pk>/feedback/", views.opportunity_feedback, name="opportunity_feedback"),
    path("quotes/<int:pk>/pdf/", views.quote_pdf_view, name="quote_pdf"),
    path("cases/<int:pk>/feedback/", views.case_feedback, name="case_feedback"),
    *resources.CustomerProfileResource.urls("customer-profiles/"),
    *resources.SegmentResource.urls("segments/"),
    *resources.LeadResource.urls("leads/"),
    *resources.PipelineStageResource.urls("stages/"),
    *resources.OpportunityResource.urls("opportunities/"),
    *resources.SalesTargetResource.urls("targets/"),
    *resources.ActivityResource.urls("activities/"),
    *resources.QuoteResource.urls("quotes/"),
    *resources.PriceListResource.urls("price-lists/"),
    *resources.ServiceCaseResource.urls("cases/"),
    *resources.SlaPolicyResource.urls("sla-policies/"),
    *resources.SalesSettingsResource.urls("settings/"),
]
