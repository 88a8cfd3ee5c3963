"""`luoshi restore ARCHIVE`: bring a backup into an empty instance, and verify it.

`--check` only verifies the archive against its manifest (for monitoring, or before a
drill). `--force` restores over an instance that is not empty, replacing it.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.operations.backup import check_archive, restore_backup
from luoshi.operations.database import BackupError


class Command(BaseCommand):
    help = "Restore a `luoshi backup` archive into an empty instance and verify it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--check", action="store_true", help="Only verify the archive; change nothing."
        )
        parser.add_argument(
            "--force", action="store_true", help="Replace an instance that is not empty."
        )
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, archive: Path, check: bool, force: bool, database: str, **options):
        try:
            if check:
                manifest = check_archive(archive)
                self.stdout.write(
                    _(
                        "The archive is complete: %(files)s files and the database of %(at)s "
                        "match their checksums."
                    )
                    % {"files": len(manifest.files), "at": manifest.created_at}
                )
                return
            restored = restore_backup(archive, force=force, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = restored.manifest
        self.stdout.write(
            _("Restored the backup of %(at)s: %(tables)s tables and %(files)s files verified.")
            % {
                "at": manifest.created_at,
                "tables": len(manifest.tables),
                "files": len(manifest.files),
            }
        )
        if restored.event_log is None:
            self.stdout.write(
                _("The event-log check (verify-log) is not available in this version.")
            )
        else:
            self.stdout.write(restored.event_log)
        if restored.pending_migrations:
            self.stdout.write(
                _("This version has %(n)s migrations newer than the backup: run `luoshi migrate`.")
                % {"n": len(restored.pending_migrations)}
            )
