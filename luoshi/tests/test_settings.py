"""Production defaults: no debug, and no start without a secret key."""

import os
import subprocess
import sys

from luoshi.settings import database_from_url

PROBE = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def run_with(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LUOSHI_")}
    clean.update(env, DJANGO_SETTINGS_MODULE="luoshi.settings", LUOSHI_VAR_DIR="/tmp/luoshi-probe")
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=60
    )


def test_refuses_to_start_without_secret_key():
    result = run_with({})
    assert result.returncode != 0
    assert "LUOSHI_SECRET_KEY is not set" in result.stderr


def test_debug_is_off_by_default():
    result = run_with({"LUOSHI_SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_debug_mode_starts_without_secret_key():
    result = run_with({"LUOSHI_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_sqlite_uses_wal_and_immediate_transactions(tmp_path):
    config = database_from_url(f"sqlite:///{tmp_path}/x.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_postgres_keeps_connections():
    config = database_from_url("postgres://u@127.0.0.1:5432/luoshi")
    assert config["CONN_MAX_AGE"] > 0 and config["CONN_HEALTH_CHECKS"]


def test_postgres_sessions_plan_without_jit_or_parallel_workers_unless_the_url_says():
    """Pages run short queries: no JIT, no parallel workers (docs/benchmarks.md); a URL's
    own -c comes later, so PostgreSQL applies it over the defaults."""
    options = database_from_url("postgres://u@127.0.0.1:5432/luoshi")["OPTIONS"]["options"]
    assert options == "-c jit=off -c max_parallel_workers_per_gather=0"
    url = "postgres://u@127.0.0.1:5432/luoshi?options=-c%20max_parallel_workers_per_gather%3D2"
    options = database_from_url(url)["OPTIONS"]["options"]
    assert options.endswith("-c max_parallel_workers_per_gather=2")


def test_postgres_sessions_really_run_so(django_db_blocker):
    """On the test database itself, when it is PostgreSQL: the session settings apply."""
    import pytest
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's session settings")
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_sqlite_file_database_runs_in_wal_mode(tmp_path):
    probe = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LUOSHI_")}
    clean.update(
        DJANGO_SETTINGS_MODULE="luoshi.settings",
        LUOSHI_DEBUG="1",
        LUOSHI_DATABASE_URL=f"sqlite:///{tmp_path}/wal.sqlite3",
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"


def test_luoshi_command_refuses_without_secret_key_but_manage_py_develops():
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LUOSHI_") and k != "DJANGO_SETTINGS_MODULE"
    }
    clean["LUOSHI_VAR_DIR"] = "/tmp/luoshi-probe"
    command = [sys.executable, "-c", "from luoshi.cli import main; main(['luoshi', 'check'])"]
    refused = subprocess.run(command, env=clean, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "LUOSHI_SECRET_KEY is not set" in refused.stderr
    developed = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert developed.returncode == 0, developed.stderr


REPLICA_PROBE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(sorted(s.DATABASES), s.DATABASE_ROUTERS, s.DATABASE_REPLICAS, "
    "'luoshi.lib.dbrouter.ReadYourWritesMiddleware' in s.MIDDLEWARE, "
    "[s.DATABASES[a]['TEST']['MIRROR'] for a in s.DATABASE_REPLICAS])"
)


def probe_replicas(env: dict) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LUOSHI_")}
    clean.update(env, DJANGO_SETTINGS_MODULE="luoshi.settings", LUOSHI_DEBUG="1")
    clean["LUOSHI_VAR_DIR"] = "/tmp/luoshi-probe"
    result = subprocess.run(
        [sys.executable, "-c", REPLICA_PROBE], env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_replicas_there_is_one_database_and_no_router():
    assert probe_replicas({}) == "['default'] [] [] False []"


def test_each_replica_url_is_an_alias_behind_the_router():
    urls = "postgres://luoshi@replica-a/luoshi, postgres://luoshi@replica-b/luoshi"
    assert probe_replicas({"LUOSHI_DATABASE_REPLICA_URLS": urls}) == (
        "['default', 'replica_1', 'replica_2'] ['luoshi.lib.dbrouter.ReplicaRouter'] "
        "['replica_1', 'replica_2'] True ['default', 'default']"
    )


def test_a_test_database_name_is_postgresqls_only():
    """LUOSHI_TEST_DB_NAME names a parallel run's PostgreSQL test database; on SQLite it
    would turn the in-memory test database into a file in the working directory."""
    probe = (
        "from luoshi import settings; "
        "print(settings.DATABASES['default'].get('TEST', {}).get('NAME', ''))"
    )
    names = {}
    for url in ("sqlite:///:memory:", "postgres://postgres@127.0.0.1:5432/test"):
        env = {k: v for k, v in os.environ.items() if not k.startswith("LUOSHI_")}
        env.update(
            LUOSHI_SECRET_KEY="x" * 50, LUOSHI_DATABASE_URL=url, LUOSHI_TEST_DB_NAME="test_run2"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        names[url.split(":")[0]] = result.stdout.strip()
    assert names == {"sqlite": "", "postgres": "test_run2"}
