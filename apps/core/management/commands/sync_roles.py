"""`manage.py sync_roles`: give each role group exactly the permissions apps/core/roles.py declares."""

from django.apps import apps
from django.core.management.base import BaseCommand

from apps.core.roles import sync_roles


class Command(BaseCommand):
    help = "Create the role groups and set their permissions from apps/core/roles.py."

    def handle(self, *args, **options):
        sync_roles(apps)
        self.stdout.write(self.style.SUCCESS("Roles synchronised."))
