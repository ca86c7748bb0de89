"""python manage.py ensure_database: create the PostgreSQL database DATABASE_URL names
when it does not exist yet, so that ``make bench`` and ``make loadtest`` work on a fresh
machine (``migrate`` cannot create the database it connects to)."""

from __future__ import annotations

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql


class Command(BaseCommand):
    help = "Create the PostgreSQL database DATABASE_URL names, if it does not exist."

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("ensure_database is for PostgreSQL: set DATABASE_URL.")
        name = connection.settings_dict["NAME"]
        params = connection.get_connection_params()
        # The server's maintenance database, as Django's own test set-up connects to it.
        params |= {"dbname": "postgres", "autocommit": True}
        params.pop("cursor_factory", None)
        with psycopg.connect(**params) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if found.fetchone():
                self.stdout.write(f"The database {name} is there.")
                return
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.stdout.write(f"Created the database {name}.")
