"""Top-level URLs: UI per app, /api/v1/<app>/, schema and docs, admin, health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from health_check.views import HealthCheckView
from rest_framework.authtoken.views import ObtainAuthToken

from apps.core import views as core_views
from apps.core.api.errors import problem_response

api_v1 = [
    path("auth/token/", ObtainAuthToken.as_view(), name="api-token"),
    path("core/", include("apps.core.api.urls")),
    path("plm/", include("apps.plm.api.urls")),
    path("scm/", include("apps.scm.api.urls")),
    path("crm/", include("apps.crm.api.urls")),
    path("mes/", include("apps.mes.api.urls")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("core/", include("apps.core.urls")),
    path("plm/", include("apps.plm.urls")),
    path("scm/", include("apps.scm.urls")),
    path("crm/", include("apps.crm.urls")),
    path("mes/", include("apps.mes.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("health/", HealthCheckView.as_view(checks=["health_check.checks.Database", "apps.core.health.Broker"]),
         name="health"),
]

def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return problem_response(404, "not_found", "No such resource.")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return problem_response(500, "server_error", "An unexpected error occurred.")
    from django.views.defaults import server_error

    return server_error(request)
