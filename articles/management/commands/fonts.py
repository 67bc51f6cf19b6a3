from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from articles.printing import fonts


class Command(BaseCommand):
    help = _("Show which real font file each typographic role of the print layout resolves to.")

    def handle(self, *args, **options):
        for role, label in fonts.ROLE_LABELS.items():
            face = fonts.resolve(role, with_file=True)
            source = _("dropped in %(dir)s") % {"dir": fonts.font_dir()} if face.dropped else _("system font")
            weight = " bold" if face.weight >= 700 else ""
            self.stdout.write(f"{label} ({role}): {face.family}{weight} → {face.file or '?'} [{source}]")
            self.stdout.write("    " + _("stack: %(stack)s") % {"stack": ", ".join(fonts.STACKS[role])})
            if role in fonts.BOLD_SUBSTITUTES:
                if fonts.has_bold(role):
                    self.stdout.write("    " + _("bold: its own bold face"))
                else:
                    substitute = fonts.resolve(fonts.BOLD_SUBSTITUTES[role])
                    self.stdout.write("    " + _("bold: no bold face; set in %(face)s (%(family)s) at regular weight")
                                      % {"face": fonts.ROLE_LABELS[substitute.role], "family": substitute.family})
        used = {family for stack in fonts.STACKS.values() for family in stack}
        for font in fonts.dropped_fonts():
            if not used.intersection(font.families):
                self.stdout.write(self.style.WARNING(
                    _("%(file)s (%(families)s) is not used by any role")
                    % {"file": font.path, "families": ", ".join(font.families)}
                ))
