from publication.api.public import PublicIndicatorViewSet
from publication.api.publications import PublicationViewSet


def register(router) -> None:
    router.register("publications", PublicationViewSet, basename="publication")
    router.register("public/indicators", PublicIndicatorViewSet, basename="public-indicator")
