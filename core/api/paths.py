"""What the paths of the API take: one router whose lookups are read by Django's path
converters."""

from rest_framework.routers import DefaultRouter


class ApiRouter(DefaultRouter):
    """The API's router. Each record's lookup in a path is read by a Django path converter:
    a viewset's ``lookup_value_converter`` where it names one, and otherwise ``int``, which
    takes plain ASCII digits only. DRF's default pattern, ``[^/.]+``, took "1_0" and "١٠",
    which Python's int reads as 10, so ``/returns/1_0/`` answered with return 10.
    drf-spectacular reads the converters too: an id stays an integer in the schema, and a
    registered converter's pattern is given."""

    def __init__(self) -> None:
        super().__init__(use_regex_path=False)

    def get_lookup_regex(self, viewset, lookup_prefix: str = "") -> str:
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        converter = getattr(viewset, "lookup_value_converter", None) or "int"
        return f"<{converter}:{lookup_prefix}{lookup_url_kwarg}>"
