"""The pages an elected member may open, enforced once for every page.

An elected member reads signed-off performance and takes part in scrutiny; every other
page of the product (returns, referrals, SLA results, imports, tokens, reports, the audit
trail, the admin site) is the officers'. Rather than each of those views learning about
members, this middleware asks ``roles.member_may_open_page`` before any view runs, so a
page added later is closed to members until it is named in ``roles.MEMBER_PAGES``. The
API asks ``roles.member_may_call`` in its default permission (``departments.api.
permissions.HasRole``), where token authentication has happened.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from departments import roles

API_PREFIX = "/api/v1/"


class MemberPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.path_info.startswith(API_PREFIX):
            return None
        match = request.resolver_match
        if not roles.member_may_open_page(request.user, match.view_name if match else None):
            raise PermissionDenied(roles.MEMBER_MESSAGE)
        return None
