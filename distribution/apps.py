from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = _("Distribution")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from articles.signals import issue_issued, issue_returned, issue_step_reached, issue_transition_notices
        from distribution import receivers

        issue_issued.connect(receivers.issue_distribute, dispatch_uid="distribution.issue_distribute")
        issue_issued.connect(receivers.submissions_paged, dispatch_uid="distribution.submissions_paged")
        issue_issued.connect(receivers.on_issued_tell_drafter, dispatch_uid="distribution.on_issued_tell_drafter")
        issue_step_reached.connect(receivers.on_step_reached, dispatch_uid="distribution.on_step_reached")
        issue_returned.connect(receivers.on_returned, dispatch_uid="distribution.on_returned")
        issue_transition_notices.connect(receivers.mail_delayed_notice, dispatch_uid="distribution.mail_delayed_notice")
