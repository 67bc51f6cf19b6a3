from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Bulletins")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from articles import checks  # noqa: F401 - registers the system checks
        from articles.revisions import register

        register()  # what django-reversion keeps of an issue

        # A flush (e.g. between transactional tests) empties the groups the roles migration made.
        post_migrate.connect(_ensure_roles, sender=self)
        # SQLite rebuilds a table for some schema changes and loses its triggers: put the freeze back.
        post_migrate.connect(_install_freeze_triggers, sender=self)


def _ensure_roles(sender, apps=None, **kwargs):
    from django.apps import apps as global_apps

    from articles.roles import ensure_roles

    ensure_roles(apps or global_apps)


def _install_freeze_triggers(sender, using="default", **kwargs):
    from django.db import connections

    from articles.freeze import install_triggers

    install_triggers(connections[using])
