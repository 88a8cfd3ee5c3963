"""Test settings: the normal settings, a fast hasher, files in a temporary folder.

The database comes from LUOSHI_DATABASE_URL like everywhere else, so the same
suite runs on SQLite (the default) and on PostgreSQL (`make test` runs both).
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("LUOSHI_SECRET_KEY", "test-secret-key")
os.environ.setdefault("LUOSHI_DATABASE_URL", "sqlite:///:memory:")

from luoshi.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="luoshi-test-media-"))
LUOSHI = {**LUOSHI, "DISPATCH_MODEL_DIR": tempfile.mkdtemp(prefix="luoshi-test-dispatch-")}  # noqa: F405
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests read messages in English unless they ask for Chinese (Accept-Language or
# translation.override); luoshi/tests/test_i18n.py proves the Chinese default.
LANGUAGE_CODE = "en"
# Tests move the clock by days between requests of one client and open public links
# from one address many times: the session limits and the public-link rate are set
# far out of their way here; luoshi/tests/test_security.py sets them back to measure them.
SESSION_IDLE_MINUTES = 60 * 24 * 365 * 10
SESSION_MAX_HOURS = 24 * 365 * 10
PUBLIC_LINK_RATE_PER_MINUTE = 1_000_000
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
# A second, separate database standing in for a read replica (luoshi/lib/tests/test_dbrouter.py):
# pytest-django creates only the databases the collected tests name, so it exists only when
# those tests run. No router here: the rest of the suite reads and writes `default` alone.
_primary = DATABASES["default"]  # noqa: F405
DATABASES["replica_1"] = {  # noqa: F405
    **_primary,
    "TEST": {}
    if "sqlite" in _primary["ENGINE"]  # SQLite tests: an in-memory database per alias
    else {"NAME": f"{_primary.get('TEST', {}).get('NAME') or 'test_' + _primary['NAME']}_replica"},
}
