"""The backup archive: one uncompressed tar with the database, the files and a manifest.

    manifest.json                      what is inside, written last (see Manifest)
    database.sqlite3 | database.pgdump the database snapshot (SQLite file | pg_dump -Fc)
    files/<tree>/<path>                the instance's files, tree by tree

A tree is a folder of files that belong to the instance: `media` (MEDIA_ROOT:
attachments, issued bulletins, imports, exports) and every `LUOSHI["…_DIR"]`
setting (e.g. trained models), named by its key in lower case. A new app that keeps
files outside MEDIA_ROOT is backed up by naming its folder so.

The tar is uncompressed so that the manifest and each file can be read without
unpacking the rest; the PostgreSQL dump is compressed by pg_dump itself, and
attachments (PDF, Office files, images) hardly compress.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from django.conf import settings

FORMAT = "luoshi-backup/1"
MANIFEST = "manifest.json"
FILES = "files"
CHUNK = 1 << 20


@dataclass
class Manifest:
    """What an archive holds, to check it before a restore and the restore after it."""

    format: str
    created_at: str
    versions: dict[str, str]
    database: dict[str, str | int]  # vendor, file, sha256, bytes
    migrations: list[list[str]]  # [app, name] applied, from the snapshot itself
    tables: dict[str, int]  # rows per table, counted in the snapshot itself
    files: dict[str, dict[str, str | int]] = field(default_factory=dict)  # name → sha256, bytes

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        return cls(**json.loads(data))


def file_trees() -> dict[str, Path]:
    """The instance's folders of files, by their name in the archive."""
    trees = {"media": Path(settings.MEDIA_ROOT)}
    for key, value in sorted(settings.LUOSHI.items()):
        if key.endswith("_DIR") and value:
            trees[key.lower()] = Path(value)
    return trees


def walk(root: Path) -> Iterator[Path]:
    """Every regular file under `root`, in a stable order (none if it does not exist)."""
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


def member_name(tree: str, relative: Path) -> str:
    return str(PurePosixPath(FILES, tree, *relative.parts))


def split_member(name: str) -> tuple[str, PurePosixPath]:
    """`files/<tree>/<path>` → (tree, path), refusing anything that leaves the tree."""
    parts = PurePosixPath(name).parts
    if len(parts) < 3 or parts[0] != FILES or any(p in {"..", ""} for p in parts):
        raise ValueError(name)
    return parts[1], PurePosixPath(*parts[2:])


class Hashing:
    """A reader that hashes what passes through it (tarfile reads each file once)."""

    def __init__(self, stream: IO[bytes]):
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, str | int]:
    """Add `path` as `name`; returns its checksum and size as the manifest records them."""
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as handle:
        reader = Hashing(handle)
        tar.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "bytes": reader.size}


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    tar.addfile(info, _BytesReader(data))


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.at + size
        chunk, self.at = self.data[self.at : end], min(end, len(self.data))
        return chunk


def sha256_of(stream: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for block in iter(lambda: stream.read(CHUNK), b""):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


def read_manifest(tar: tarfile.TarFile) -> Manifest:
    handle = tar.extractfile(MANIFEST)
    if handle is None:
        raise KeyError(MANIFEST)
    manifest = Manifest.from_json(handle.read())
    if manifest.format != FORMAT:
        raise ValueError(manifest.format)
    return manifest
