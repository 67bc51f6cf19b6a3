from django.core.management.base import BaseCommand

from articles import demo_data
from articles.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo bulletin (seed issue of 2021-01-13), a draft, an issue under review and demo accounts."

    def handle(self, *args, **options):
        created = load_demo()
        for issue in created:
            self.stdout.write(f"created: {issue} ({issue.get_status_display()})")
        if not created:
            self.stdout.write("demo data already present; nothing added")
        users = ", ".join(username for username, *_ in demo_data.USERS)
        self.stdout.write(self.style.SUCCESS(f"demo accounts: {users} — password: {demo_data.PASSWORD}"))
