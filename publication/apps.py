from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "publication"
    verbose_name = "Publication to residents"

    def ready(self) -> None:
        from publication.cache import connect_publication_writes

        connect_publication_writes()
