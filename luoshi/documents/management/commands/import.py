"""`luoshi import <file.xlsx> --user <supervisor>`: import a task table, or only preview it."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from luoshi.documents import services
from luoshi.documents.engine import kind_for
from luoshi.documents.models import MultiLead
from luoshi.lib.errors import DomainError
from luoshi.matters.models import Source
from luoshi.org.models import Role


class Command(BaseCommand):
    help = "Import a task decomposition table (.xlsx) as draft matters; --dry-run only previews."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx file")
        parser.add_argument(
            "--user", help="username of the supervisor importing (default: the only supervisor)"
        )
        parser.add_argument("--dry-run", "--preview", action="store_true", dest="dry_run")
        parser.add_argument("--kind", default="task", help="the kind of table (default: task)")
        parser.add_argument("--source", default=Source.WORK_REPORT, choices=Source.values)
        parser.add_argument("--multi-lead", default=MultiLead.CO_UNITS, choices=MultiLead.values)
        parser.add_argument("--accept-suggestions", action="store_true")
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument(
            "--past-deadlines",
            default="",
            metavar="YYYY-MM-DD",
            help="a new date for every time limit already past (default: as written)",
        )

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = self._actor(opts["user"])
        try:
            kind = kind_for(opts["kind"])
        except DomainError as error:
            raise CommandError(error.message) from error
        options = kind.options_class.from_dict(
            {
                "source": opts["source"],
                "multi_lead": opts["multi_lead"],
                "accept_suggestions": opts["accept_suggestions"],
                "year": opts["year"],
                "past_deadlines": opts["past_deadlines"],
            }
        )
        data = path.read_bytes()
        try:
            preview = services.preview_file(data, options, actor=actor, kind=kind.name)
            self._report(preview.as_dict())
            if opts["dry_run"]:
                return
            if not preview.is_valid:
                raise CommandError("Nothing was imported: correct the problems above.")
            batch = services.upload_import(
                data, filename=path.name, options=options, actor=actor, kind=kind.name
            )
            batch = services.confirm_import(batch, actor=actor)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {batch.created_count} matters, updated {batch.updated_count} "
                f"(import {batch.pk})."
            )
        )

    def _actor(self, username: str | None) -> User:
        if username:
            actor = User.objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"No user {username!r}.")
            return actor
        supervisors = list(
            User.objects.filter(memberships__role=Role.SUPERVISOR, is_active=True).distinct()[:2]
        )
        if len(supervisors) != 1:
            raise CommandError("Name the supervisor who imports with --user.")
        return supervisors[0]

    def _report(self, preview: dict) -> None:
        counts = preview["counts"]
        self.stdout.write(
            f"{preview['sheet']}: header in row {preview['header_row']}, year {preview['year']}; "
            f"{counts['rows']} rows: {counts['ok']} understood, {counts['errors']} with problems, "
            f"{counts['skipped']} skipped; {counts['matters']} matters to register, "
            f"{counts['changed']} to update, {counts['unchanged']} unchanged."
        )
        if preview.get("revises"):
            self.stdout.write(f"Revises import {preview['revises']['id']}.")
        for name in preview["unknown_units"]:
            hints = "、".join(s["name"] for s in name["suggestions"][:3]) or "-"
            self.stdout.write(f"  unknown unit {name['name']} ({name['count']} rows): {hints}")
        for row in preview["rows"]:
            if row["status"] == "skip":
                self.stdout.write(f"  row {row['row']}: skipped: {row['skip']}")
        for problem in preview["problems"]:
            level = "ERROR" if problem["blocking"] else "note"
            hint = f" ({problem['suggestion']})" if problem["suggestion"] else ""
            self.stdout.write(
                f"  {level} row {problem['row']}, {problem['column']}: {problem['message']}{hint}"
            )
