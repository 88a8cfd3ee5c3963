"""`luoshi backup`: one archive of the database, the files and a manifest (docs/operations.md).

Run it from a systemd timer or cron; `--keep N` removes all but the N newest archives
in the folder. Exits non-zero, saying why, when it cannot write a complete archive.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.operations.backup import make_backup, prune
from luoshi.operations.database import BackupError


class Command(BaseCommand):
    help = "Write one consistent archive of the database, the instance's files and a manifest."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.VAR_DIR) / "backups",
            help="Folder for the archive (default: var/backups), or a file name ending in .tar.",
        )
        parser.add_argument(
            "--keep", type=int, metavar="N", help="Then remove all but the N newest archives."
        )
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, output: Path, keep: int | None, database: str, **options) -> None:
        if keep is not None and keep < 1:
            raise CommandError(_("--keep must be at least 1."))
        try:
            path, manifest = make_backup(output, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest.tables.values())
        size = sum(f["bytes"] for f in manifest.files.values())
        self.stdout.write(
            _(
                "Backup written: %(path)s (%(tables)s tables, %(rows)s rows, "
                "%(files)s files, %(mb).1f MB of files)"
            )
            % {
                "path": path,
                "tables": len(manifest.tables),
                "rows": rows,
                "files": len(manifest.files),
                "mb": size / 2**20,
            }
        )
        if keep is not None:
            for old in prune(path.parent, keep):
                self.stdout.write(_("Removed the old archive %(path)s") % {"path": old})
