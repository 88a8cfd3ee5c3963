from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "luoshi.documents"
    label = "documents"

    def ready(self) -> None:
        # The kinds of import the engine offers (documents.engine): task tables here;
        # another app registers its own kind from its AppConfig.ready().
        from .engine import register_kind
        from .importer import TaskImport

        register_kind(TaskImport())
