from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.search import reindex


class Command(BaseCommand):
    help = gettext_lazy("Segment every article again and rewrite the full-text search index.")

    def handle(self, *args, **options):
        count = reindex()
        self.stdout.write(_("Indexed %(count)s articles.") % {"count": count})
