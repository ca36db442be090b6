"""``manage.py sync_roles``: bring the Staf, Petugas and Manajer groups up to date."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from kimtracker.roles import sync_roles


class Command(BaseCommand):
    help = "Create or update the role groups Staf, Petugas and Manajer and their permissions."

    def handle(self, *args, **options):
        sync_roles()
        self.stdout.write(self.style.SUCCESS(_("Peran Staf, Petugas dan Manajer diperbarui.")))
