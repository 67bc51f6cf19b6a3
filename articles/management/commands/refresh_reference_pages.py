import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

VISUAL_TEST = "tests/articles/test_pdf_visual.py"


class Command(BaseCommand):
    help = _("Regenerate the reference page images of the visual PDF test after an intended layout change.")

    def handle(self, *args, **options):
        env = {**os.environ, "BULLETIN_REFRESH_REFERENCES": "1"}
        result = subprocess.run([sys.executable, "-m", "pytest", VISUAL_TEST, "-q", "-p", "no:randomly"],
                                cwd=settings.BASE_DIR, env=env, check=False)
        if result.returncode:
            raise CommandError(_("The visual test failed while refreshing the reference pages."))
        self.stdout.write(_("Reference pages written to tests/articles/reference/; look at them before committing."))
