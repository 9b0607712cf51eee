"""Model permissions for the API: reads need `view_`, custom actions `change_` (or the step's own permission)."""

from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions

from apps.core.workflow import step_permission


class SuiteModelPermissions(DjangoModelPermissions):
    """Django model permissions (from the user's role groups), also for reads."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if getattr(view, "queryset", None) is None and not hasattr(view, "get_queryset"):
            return True  # a non-model view (reports, auth) declares its own checks
        if request.method not in SAFE_METHODS and getattr(view, "action", None) not in (
            None, "create", "update", "partial_update", "destroy"
        ):
            model = view.get_queryset().model
            # a step with its own permission (approve by Quality) needs only access here; the action checks it
            action = "view" if step_permission(model, view.action) else "change"
            return request.user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")
        return super().has_permission(request, view)
