"""Backing an instance up into one archive, checking an archive, restoring it.

Backup (`luoshi backup`):
1. Snapshot the database (database.snapshot): its rows per table and applied
   migrations are read from the snapshot itself.
2. Add the files of every tree (archive.file_trees), hashing each as it is read.
   Files are taken after the database: a file is stored before its row
   (lib.storage), so every file a row of the snapshot names is already there.
3. Write the manifest last, then rename `….tar.partial` to `….tar`: an archive
   with its final name is complete.

Restore (`luoshi restore`):
1. Check the archive against its manifest (every checksum) before touching anything.
2. Refuse a database of another kind, a backup of a newer Luoshi, and an instance
   that is not empty (unless forced).
3. Load the database, then write the files; verify rows per table and every file's
   checksum against the manifest; run the event-log check when it exists.
"""

from __future__ import annotations

import os
import platform
import tarfile
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import django
from django.core.management import call_command, get_commands
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from . import archive, database
from .archive import Manifest
from .database import BackupError

ARCHIVE_GLOB = "luoshi-backup-*.tar"


def luoshi_version() -> str:
    try:
        return version("luoshi")
    except PackageNotFoundError:  # running from a checkout that was not installed
        return "unknown"


# -- backup -------------------------------------------------------------------------------


def make_backup(output: Path, *, using: str = "default") -> tuple[Path, Manifest]:
    """Write one archive of the instance into `output` (a folder, or a file name)."""
    target = _archive_path(output)
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".luoshi-backup-") as folder:
        snap = database.snapshot(connections[using], Path(folder))
        manifest = Manifest(
            format=archive.FORMAT,
            created_at=timezone.localtime().isoformat(timespec="seconds"),
            versions=_versions(snap),
            database={"vendor": connections[using].vendor, "file": snap.path.name},
            migrations=snap.migrations,
            tables=snap.tables,
        )
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            manifest.database.update(archive.add_file(tar, snap.path, snap.path.name))
            manifest.files = _add_trees(tar)
            archive.add_bytes(tar, archive.MANIFEST, manifest.to_json())
    os.replace(partial, target)
    return target, manifest


def _archive_path(output: Path) -> Path:
    if output.suffix == ".tar":
        output.parent.mkdir(parents=True, exist_ok=True)
        return output
    output.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return output / f"luoshi-backup-{stamp}.tar"


def _versions(snap: database.Snapshot) -> dict[str, str]:
    return {
        "luoshi": luoshi_version(),
        "django": django.get_version(),
        "python": platform.python_version(),
        "database": snap.server,
        "dump_tool": snap.tool,
    }


def _add_trees(tar: tarfile.TarFile) -> dict[str, dict[str, str | int]]:
    files = {}
    for tree, root in archive.file_trees().items():
        for path in archive.walk(root):
            name = archive.member_name(tree, path.relative_to(root))
            files[name] = archive.add_file(tar, path, name)
    return files


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest archives in `folder`; returns those removed."""
    archives = sorted(folder.glob(ARCHIVE_GLOB), key=lambda p: p.name, reverse=True)
    for old in archives[keep:]:
        old.unlink()
    return archives[keep:]


# -- check --------------------------------------------------------------------------------


def check_archive(path: Path) -> Manifest:
    """The archive's manifest, once every checksum in it is found right."""
    try:
        with tarfile.open(path, "r:") as tar:
            manifest = archive.read_manifest(tar)
            expected = {manifest.database["file"]: manifest.database, **manifest.files}
            problems = [_member_problem(tar, name, want) for name, want in expected.items()]
    except (OSError, tarfile.TarError, KeyError, ValueError, TypeError) as error:
        raise BackupError(
            _("%(path)s is not a readable Luoshi backup: %(error)s")
            % {"path": path, "error": error}
        ) from error
    problems = [p for p in problems if p]
    if problems:
        raise BackupError(
            _("The archive is damaged: %(problems)s") % {"problems": "; ".join(problems[:5])}
        )
    return manifest


def _member_problem(tar: tarfile.TarFile, name: str, want: dict) -> str:
    try:
        handle = tar.extractfile(name)
    except KeyError:
        handle = None
    if handle is None:
        return _("%(name)s is missing") % {"name": name}
    digest, size = archive.sha256_of(handle)
    if (digest, size) != (want["sha256"], want["bytes"]):
        return _("%(name)s does not match its checksum") % {"name": name}
    return ""


# -- restore ------------------------------------------------------------------------------


@dataclass
class Restored:
    manifest: Manifest
    pending_migrations: list[str] = field(default_factory=list)
    event_log: str | None = None  # what verify-log said; None where it does not exist yet


def restore_backup(path: Path, *, force: bool = False, using: str = "default") -> Restored:
    manifest = check_archive(path)
    connection = connections[using]
    _refuse_unfit(manifest, connection, force)
    trees = archive.file_trees()
    with tarfile.open(path, "r:") as tar, tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / manifest.database["file"]
        tar.extract(manifest.database["file"], folder, filter="data")
        database.load(connection, dump, manifest.versions["dump_tool"])
        for name in manifest.files:
            _restore_file(tar, name, trees)
    _verify(manifest, connection, trees)
    return Restored(manifest, _pending(manifest), verify_event_log())


def _refuse_unfit(manifest: Manifest, connection: BaseDatabaseWrapper, force: bool) -> None:
    vendor = manifest.database["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            _("The archive holds a %(archive)s database; this instance uses %(here)s.")
            % {"archive": vendor, "here": connection.vendor}
        )
    unknown = _unknown_migrations(manifest)
    if unknown:
        raise BackupError(
            _(
                "The backup was made by a newer Luoshi (migrations unknown here: %(names)s). "
                "Install the version that made it (%(version)s), then restore."
            )
            % {"names": ", ".join(unknown[:5]), "version": manifest.versions["luoshi"]}
        )
    missing = sorted({f.split("/")[1] for f in manifest.files} - set(archive.file_trees()))
    if missing:
        raise BackupError(
            _("The archive holds files of %(trees)s, which this instance does not configure.")
            % {"trees": ", ".join(missing)}
        )
    occupied = occupants(connection)
    if occupied and not force:
        raise BackupError(
            _(
                "This instance is not empty (%(what)s). Restoring replaces everything in it; "
                "restore into an empty instance, or add --force to replace it."
            )
            % {"what": "; ".join(occupied)}
        )


def occupants(connection: BaseDatabaseWrapper) -> list[str]:
    """What makes an instance not empty: people, units, or files.

    A fresh `luoshi migrate` leaves an instance empty even though migrations seed
    some tables (content types, default policies): every record of the domain
    belongs to a unit or was made by a user.
    """
    found = []
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in ("auth_user", "org_unit"):
            if table in tables:
                cursor.execute(f"SELECT count(*) FROM {table}")
                rows = cursor.fetchone()[0]
                if rows:
                    found.append(_("%(n)s rows in %(table)s") % {"n": rows, "table": table})
    for tree, root in archive.file_trees().items():
        files = sum(1 for _path in archive.walk(root))
        if files:
            found.append(
                _("%(n)s files in %(tree)s (%(root)s)") % {"n": files, "tree": tree, "root": root}
            )
    return found


def _unknown_migrations(manifest: Manifest) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    ours = {app for app, _name in known}
    return [
        f"{app}.{name}"
        for app, name in manifest.migrations
        if app in ours and (app, name) not in known
    ]


def _pending(manifest: Manifest) -> list[str]:
    applied = {tuple(m) for m in manifest.migrations}
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return sorted(f"{app}.{name}" for app, name in known if (app, name) not in applied)


def _restore_file(tar: tarfile.TarFile, name: str, trees: dict[str, Path]) -> None:
    tree, relative = archive.split_member(name)
    root = trees[tree].resolve()
    destination = root.joinpath(*relative.parts)
    if root not in destination.resolve().parents:
        raise BackupError(_("%(name)s leaves its folder.") % {"name": name})
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    source = tar.extractfile(name)
    with partial.open("wb") as handle:
        for block in iter(lambda: source.read(archive.CHUNK), b""):
            handle.write(block)
    os.replace(partial, destination)


def _verify(manifest: Manifest, connection: BaseDatabaseWrapper, trees: dict[str, Path]) -> None:
    problems = []
    with connection.cursor() as cursor:
        for table, expected in manifest.tables.items():
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            found = cursor.fetchone()[0]
            if found != expected:
                problems.append(f"{table}: {found} rows, {expected} in the backup")
    for name, want in manifest.files.items():
        tree, relative = archive.split_member(name)
        with trees[tree].joinpath(*relative.parts).open("rb") as handle:
            if archive.sha256_of(handle) != (want["sha256"], want["bytes"]):
                problems.append(f"{name}: checksum differs")
    if problems:
        raise BackupError(
            _("The restored instance does not match the backup: %(problems)s")
            % {"problems": "; ".join(problems[:5])}
        )


def verify_event_log() -> str | None:
    """Walk the event log's hash chains on the restored instance (`luoshi verify-log`).

    A broken chain fails the restore (its CommandError propagates). None only for an
    installation without the command (an older Luoshi).
    """
    name = next((n for n in ("verify-log", "verify_log") if n in get_commands()), None)
    if name is None:
        return None
    from io import StringIO

    out = StringIO()
    call_command(name, stdout=out)
    return out.getvalue().strip()
