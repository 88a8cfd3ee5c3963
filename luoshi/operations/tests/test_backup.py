"""`luoshi backup` and `luoshi restore`: a demo city round-trips, row by row and byte by byte.

The backup runs in the test's process against the test database; the restore runs as
the operator runs it, `manage.py restore` in a process of its own whose settings point
at an empty instance (a new SQLite file, or a new PostgreSQL database named after the
test database). Every table is then compared row by row — timestamps to the
microsecond — and every file byte by byte.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tarfile
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from luoshi.documents import services as documents
from luoshi.matters import services
from luoshi.matters.models import Matter, MatterEvent, ProgressReport
from luoshi.operations import archive
from luoshi.operations.database import BackupError, pg_tool
from luoshi.org.models import Membership, Role

from .faults import admin_connection
from .tables import database, differences, rows

pytestmark = pytest.mark.django_db(transaction=True)
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
MODEL = b"\x80\x04joblib-bundle" + bytes(range(256)) * 8


@pytest.fixture
def source(settings, tmp_path, empty_database):
    """The backed-up instance's files: media, and a folder of trained models."""
    settings.MEDIA_ROOT = str(tmp_path / "source" / "media")
    settings.LUOSHI = {**settings.LUOSHI, "MODELS_DIR": str(tmp_path / "source" / "models")}
    return tmp_path / "source"


@pytest.fixture
def target(tmp_path):
    """An empty instance: a database that does not exist yet, and no files."""
    root = tmp_path / "target"
    root.mkdir()
    if connection.vendor == "sqlite":
        yield root, f"sqlite:///{root / 'luoshi.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_restore"
    with admin_connection() as raw:
        raw.execute(f'DROP DATABASE IF EXISTS "{name}"')
        raw.execute(f'CREATE DATABASE "{name}"')
    config = connection.settings_dict
    yield root, f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{name}"
    with admin_connection() as raw:
        raw.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_demo_city(source: Path) -> None:
    """The demo city, then what it lacks: attachments, an issued bulletin, a model file."""
    with time_machine.travel(NOW, tick=True):
        call_command("demo", matters=24, stdout=StringIO())
        matter = Matter.objects.filter(state="in_progress").order_by("pk").first()
        handler = Membership.objects.get(unit=matter.lead_unit, role=Role.HANDLER).user
        files = [
            SimpleUploadedFile("关于“三零”创建的报告（终稿）.docx", b"PK\x03\x04 docx body"),
            SimpleUploadedFile("扫描件 001.PDF", b"%PDF-1.7 " + os.urandom(3000)),
            SimpleUploadedFile("现场照片.jpg", b"\xff\xd8\xff" + os.urandom(2000)),
        ]
        services.report_progress(
            matter, actor=handler, version=matter.version, text="已完成现场核查", percent=70,
            attachments=files,
        )  # fmt: skip
        supervisor = User.objects.get(username="supervisor")
        draft = documents.draft_bulletin(
            actor=supervisor, period_start=dt.date(2026, 2, 1), period_end=dt.date(2026, 2, 28)
        )
        documents.issue_bulletin(draft, actor=supervisor, version=draft.version)
    models = source / "models"
    models.mkdir(parents=True)
    (models / "dispatch-20260302-093000.joblib").write_bytes(MODEL)


def restore(archive_path: Path, target: tuple[Path, str], *extra: str):
    root, url = target
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "luoshi.operations.tests.restore_settings",
        "LUOSHI_DATABASE_URL": url,
        "LUOSHI_MEDIA_ROOT": str(root / "media"),
        "LUOSHI_MODELS_DIR": str(root / "models"),
        "LUOSHI_DISPATCH_MODEL_DIR": str(root / "dispatch"),
        "LUOSHI_SECRET_KEY": "test",
    }
    command = [sys.executable, "manage.py", "restore", str(archive_path), *extra]
    return subprocess.run(
        command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300
    )


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in archive.walk(root)}


def backup(tmp_path: Path) -> Path:
    out = StringIO()
    call_command("backup", output=tmp_path / "backups", stdout=out)
    (archive_path,) = (tmp_path / "backups").glob("luoshi-backup-*.tar")
    assert str(archive_path) in out.getvalue()
    return archive_path


def assert_manifest_describes(archive_path: Path) -> None:
    """Rows per table as the database has them, every file with its checksum, versions."""
    with tarfile.open(archive_path) as tar:
        manifest = archive.read_manifest(tar)
        names = set(tar.getnames())
    assert manifest.tables["matters_matter"] == Matter.objects.count() > 20
    assert manifest.tables["matters_matterevent"] == MatterEvent.objects.count()
    assert set(manifest.tables) == set(connection.introspection.table_names())
    assert set(manifest.files) | {"manifest.json", manifest.database["file"]} == names
    # Media, the test's folder of models, and the dispatch models the demo city trained.
    assert {n.split("/")[1] for n in manifest.files} == {
        "media",
        "models_dir",
        "dispatch_model_dir",
    }
    assert manifest.database["vendor"] == connection.vendor
    assert manifest.versions["django"] and manifest.versions["dump_tool"]
    recorder = MigrationRecorder(connection)  # empty under pytest --no-migrations
    applied = recorder.applied_migrations() if recorder.has_table() else {}
    assert manifest.migrations == sorted([list(key) for key in applied])


def test_a_demo_city_round_trips_row_by_row_and_byte_by_byte(source, target, tmp_path):
    build_demo_city(source)
    archive_path = backup(tmp_path)

    assert_manifest_describes(archive_path)

    restored = restore(archive_path, target)
    assert restored.returncode == 0, restored.stderr
    with tarfile.open(archive_path) as tar:
        files = len(archive.read_manifest(tar).files)
    # 3 attachments, the bulletin, bulletins the demo issued, the test's and the demo's models
    assert files > 5 and f"tables and {files} files verified" in restored.stdout

    root, url = target
    with database(url, "restored") as copy:
        assert differences(connection, copy) == []
        events = rows(connection, "matters_matterevent")
        assert len(events) > 100 and events == rows(copy, "matters_matterevent")
    # timestamps went through to the microsecond (the comparison above would see a loss)
    assert any(r.created_at.microsecond for r in ProgressReport.objects.all())
    assert files_of(source / "media") == files_of(root / "media")
    assert len(files_of(source / "media")) >= 4  # the attachments and bulletins at least
    assert files_of(root / "models") == {"dispatch-20260302-093000.joblib": MODEL}
    # The restore walked every event log's hash chain (`luoshi verify-log`) on the copy.
    assert "The event log is intact" in restored.stdout
    assert "not available" not in restored.stdout

    again = restore(archive_path, target)
    assert again.returncode != 0
    assert "not empty" in again.stderr and "--force" in again.stderr
    forced = restore(archive_path, target, "--force")
    assert forced.returncode == 0, forced.stderr
    with database(url, "restored") as copy:
        assert differences(connection, copy) == []


def test_a_damaged_or_cut_archive_is_refused_before_anything_changes(source, tmp_path):
    build_demo_city(source)
    archive_path = backup(tmp_path)
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive_path.read_bytes()[:-20000])
    with pytest.raises(CommandError, match="not a readable Luoshi backup|is missing"):
        call_command("restore", str(cut), check=True, stdout=StringIO())

    with tarfile.open(archive_path) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(".PDF"))
    with archive_path.open("r+b") as handle:
        handle.seek(member.offset_data + 100)
        byte = handle.read(1)
        handle.seek(member.offset_data + 100)
        handle.write(bytes([byte[0] ^ 0xFF]))
    damaged = "扫描件_001.PDF does not match its checksum"
    with pytest.raises(CommandError, match=damaged):
        call_command("restore", str(archive_path), check=True, stdout=StringIO())
    with pytest.raises(CommandError, match=damaged):  # the restore checks first, too
        call_command("restore", str(archive_path), force=True, stdout=StringIO())
    assert Matter.objects.count() > 20  # untouched


def test_keep_removes_all_but_the_newest_archives(source, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp in ("20260227-020000", "20260228-020000", "20260301-020000"):
        (folder / f"luoshi-backup-{stamp}.tar").write_bytes(b"old")
    with time_machine.travel(NOW, tick=False):
        call_command("backup", output=folder, keep=2, stdout=StringIO())
    assert sorted(p.name for p in folder.iterdir()) == [
        "luoshi-backup-20260301-020000.tar",
        "luoshi-backup-20260302-173000.tar",
    ]


def test_a_pg_dump_of_another_major_version_is_refused(tmp_path):
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.16 (Debian 13.16-0+deb11u1)'\n")
    old.chmod(0o755)
    with pytest.raises(BackupError, match="pg_dump of PostgreSQL 15 is needed .* 13.16"):
        pg_tool("pg_dump", 15, candidates=[old])
    assert pg_tool("pg_dump", 13, candidates=[old])[0] == str(old)
