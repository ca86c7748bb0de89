"""API permission classes that ask the roles module; they decide nothing themselves."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from departments.roles import (
    MEMBER_MESSAGE,
    NO_ROLE_MESSAGE,
    has_a_role,
    may_change_reference_data,
    member_may_call,
)


class HasRole(BasePermission):
    """Every endpoint's first rule (the default permission class): a signed-in user with
    no role is refused, as the pages refuse them, rather than shown empty lists; an
    elected member calls only the endpoints ``roles.MEMBER_ENDPOINTS`` names."""

    message = NO_ROLE_MESSAGE

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and has_a_role(user)):
            return False
        if request.method not in getattr(view, "allowed_methods", [request.method]):
            # A method the endpoint does not serve answers 405 for everyone, not 403.
            return True
        if not member_may_call(
            user, getattr(view, "basename", None), getattr(view, "action", None)
        ):
            self.message = MEMBER_MESSAGE
            return False
        return True


class ReferenceDataPermission(BasePermission):
    """Everyone with a role reads within their scope (the queryset); only administrators
    write."""

    message = "Only an administrator can change reference data."

    def has_permission(self, request, view) -> bool:
        first_rule = HasRole()
        if not first_rule.has_permission(request, view):
            # Said as HasRole says it (this request's instance); an anonymous request is
            # still answered 401 by DRF, whatever the message.
            self.message = first_rule.message
            return False
        if request.method in SAFE_METHODS or request.method not in view.allowed_methods:
            # A method the endpoint does not serve answers 405 for everyone, not 403.
            return True
        return may_change_reference_data(request.user)
