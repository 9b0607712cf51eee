"""Test URLconf: the real suite URLs plus MES's (until suite/urls.py mounts them; then just the suite's)."""

from django.urls import include, path

from suite.urls import handler403, handler404, handler500  # noqa: F401
from suite.urls import urlpatterns as suite_urlpatterns


def _mounted(patterns) -> bool:
    for pattern in patterns:
        if getattr(pattern, "namespace", None) == "mes" or "apps.mes.api" in str(getattr(pattern, "urlconf_name", "")):
            return True
        if hasattr(pattern, "url_patterns") and _mounted(pattern.url_patterns):
            return True
    return False


urlpatterns = list(suite_urlpatterns) if _mounted(suite_urlpatterns) else [
    path("mes/", include("apps.mes.urls")),
    path("api/v1/mes/", include("apps.mes.api.urls")),
    *suite_urlpatterns,
]
