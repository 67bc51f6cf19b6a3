from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Bulletins")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from articles import checks  # noqa: F401 - registers the system checks
