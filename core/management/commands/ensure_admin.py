"""manage.py ensure_admin: a staff user for the admin, made once."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the superuser 'admin' if missing (password from ADMIN_PASSWORD, or generated and printed)."

    def handle(self, *args, **options) -> None:
        users = get_user_model().objects
        if users.filter(username="admin").exists():
            self.stdout.write("The admin user exists; log in as admin with its password.")
            return
        password = os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        users.create_superuser("admin", email="", password=password)
        shown = "the password in ADMIN_PASSWORD" if os.environ.get("ADMIN_PASSWORD") else f"password {password}"
        self.stdout.write(f"Created the superuser admin; log in with {shown}.")
