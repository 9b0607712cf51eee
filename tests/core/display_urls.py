"""Test URLconf: the suite's URLs plus a Resource whose detail page shows a many-to-many field."""

from django.urls import include, path

from apps.core.ui.resource import Resource
from apps.plm.models import ChangeRequest
from suite.urls import handler403, handler404, handler500  # noqa: F401
from suite.urls import urlpatterns as suite_urlpatterns


class AffectedItemsResource(Resource):
    """A change request with its affected items (a many-to-many) among the detail fields."""

    model = ChangeRequest
    namespace = "m2m"
    name = "changerequest"
    detail_fields = ["number", "title", "affected_items"]
    can_create = can_edit = False


urlpatterns = [*suite_urlpatterns, path("m2m/", include((AffectedItemsResource.urls("requests/"), "m2m")))]
