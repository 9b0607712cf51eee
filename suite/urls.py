"""Top-level URLs: UI per app, /api/v1/<app>/, schema and docs, admin, health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from health_check.views import HealthCheckView

from apps.core import views as core_views
from apps.core.api.views import AuthTokenView

api_v1 = [
    path("auth/token/", AuthTokenView.as_view(), name="api-token"),
    path("core/", include("apps.core.api.urls")),
    path("plm/", include("apps.plm.api.urls")),
    path("scm/", include("apps.scm.api.urls")),
    path("crm/", include("apps.crm.api.urls")),
    path("mes/", include("apps.mes.api.urls")),
    path("erp/", include("apps.erp.api.urls")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("search/", core_views.global_search, name="search"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("core/", include("apps.core.urls")),
    path("plm/", include("apps.plm.urls")),
    path("scm/", include("apps.scm.urls")),
    path("crm/", include("apps.crm.urls")),
    path("mes/", include("apps.mes.urls")),
    path("erp/", include("apps.erp.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("health/", HealthCheckView.as_view(checks=["health_check.checks.Database", "apps.core.health.Broker"]),
         name="health"),
]

# the suite's error pages in its layout (DEBUG off); under /api/ they answer problem+json
handler403 = core_views.error_403
handler404 = core_views.error_404
handler500 = core_views.error_500
