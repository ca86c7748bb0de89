"""API permission classes that ask the roles module; they decide nothing themselves."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from departments.roles import may_change_reference_data


class ReferenceDataPermission(BasePermission):
    """Everyone reads within their scope (the queryset); only administrators write."""

    message = "Only an administrator can change reference data."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or request.method not in view.allowed_methods:
            # A method the endpoint does not serve answers 405 for everyone, not 403.
            return True
        return may_change_reference_data(request.user)
