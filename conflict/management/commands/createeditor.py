"""`manage.py createeditor USERNAME`: an account in the `editor` group.

Asks for the password twice; with --noinput it reads TIDEMARK_EDITOR_PASSWORD, for scripts.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from conflict.services.accounts import AccountError, editor_create


class Command(BaseCommand):
    help = "Create an editor account (asks for the password; --noinput reads TIDEMARK_EDITOR_PASSWORD)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--admin", action="store_true", help="also put the user in group admin")
        parser.add_argument("--noinput", "--no-input", action="store_true", dest="noinput",
                            help="read the password from TIDEMARK_EDITOR_PASSWORD instead of asking")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["noinput"]:
            password = os.environ.get("TIDEMARK_EDITOR_PASSWORD", "")
            if not password:
                raise CommandError("--noinput needs the password in TIDEMARK_EDITOR_PASSWORD")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            user = editor_create(username=options["username"], password=password, email=options["email"],
                                 admin=options["admin"])
        except AccountError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Editor {user.username} created."))
