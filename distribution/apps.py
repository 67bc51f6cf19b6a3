from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = _("Distribution")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from articles.signals import issue_issued
        from distribution.services import issue_distribute

        issue_issued.connect(issue_distribute, dispatch_uid="distribution.issue_distribute")
