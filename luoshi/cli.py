"""The `luoshi` command: Django's management commands under the product's name.

`luoshi demo`, `luoshi scan`, `luoshi migrate`, `luoshi runserver` … are all
`manage.py` commands; this wrapper only sets the settings module.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv if argv is not None else sys.argv)
    return 0
