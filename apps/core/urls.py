"""core's browser URLs."""

from django.urls import path

from apps.core import resources, views
from apps.core.ui.autocomplete import autocomplete

app_name = "core"

urlpatterns = [
    path("autocomplete/<str:model>/", autocomplete, name="autocomplete"),
    path("switch-company/", views.switch_company, name="switch_company"),
    path("chatter/<int:content_type_id>/<str:object_id>/note/", views.chatter_note, name="chatter_note"),
    path("chatter/<int:content_type_id>/<str:object_id>/attachment/", views.chatter_attachment,
         name="chatter_attachment"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment_download"),
    *resources.PartyResource.urls("parties/"),
    *resources.CustomerResource.urls("customers/"),
    *resources.SupplierResource.urls("suppliers/"),
    *resources.CompanyResource.urls("companies/"),
    *resources.CurrencyResource.urls("currencies/"),
    *resources.ExchangeRateResource.urls("exchange-rates/"),
    *resources.UnitResource.urls("units/"),
    *resources.EventResource.urls("flows/"),
    *resources.MembershipResource.urls("users/"),
]
