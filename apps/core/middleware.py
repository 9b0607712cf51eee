"""The active company of a browser session (the company switcher)."""

from apps.core.permissions import active_company
from apps.core.scoping import user_company_ids

SESSION_KEY = "active_company_id"


class ActiveCompanyMiddleware:
    """Sets `request.company_id`: the session's chosen company, else the user's first one; permission checks
    without a record (`{{ perms }}`, the sidebar, `user.has_perm(perm)`) are about that company."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.company_id = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ids = user_company_ids(user)
            chosen = request.session.get(SESSION_KEY)
            request.company_id = chosen if chosen in ids else (ids[0] if ids else None)
        with active_company(request.company_id):
            return self.get_response(request)
