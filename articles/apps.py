from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Bulletins")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from articles.printing import checks  # noqa: F401 - registers the system checks
        from articles.review.revisions import register

        register()  # what django-reversion keeps of an issue

        # A flush (e.g. between transactional tests) empties the groups the roles migration made.
        post_migrate.connect(_ensure_roles, sender=self)
        # SQLite rebuilds a table for some schema changes and loses its triggers: put the freeze back.
        post_migrate.connect(_install_freeze_triggers, sender=self)
        post_migrate.connect(_install_search_index, sender=self)
        # Search: an article's words are written whenever it or its facts are saved (articles.search).
        from articles.models import Article, Award, Meeting

        post_save.connect(_index_article, sender=Article, dispatch_uid="search-article")
        post_save.connect(_index_facts, sender=Meeting, dispatch_uid="search-meeting")
        post_save.connect(_index_facts, sender=Award, dispatch_uid="search-award")


def _ensure_roles(sender, apps=None, **kwargs):
    from django.apps import apps as global_apps

    from articles.roles import ensure_roles

    ensure_roles(apps or global_apps)


def _install_freeze_triggers(sender, using="default", **kwargs):
    from django.db import connections

    from articles.freeze import install_triggers

    install_triggers(connections[using])


def _install_search_index(sender, using="default", **kwargs):
    from django.db import connections

    from articles.search import install_index

    install_index(connections[using])


def _index_article(sender, instance, raw=False, **kwargs):
    if not raw:  # fixtures (loaddata) carry no index; `manage.py search_index` writes it
        from articles.search import index_article

        index_article(instance)


def _index_facts(sender, instance, raw=False, **kwargs):
    if not raw:
        from articles.search import index_article

        index_article(instance.article)
