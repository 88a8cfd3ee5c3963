#!/usr/bin/env python
"""The developer's entry point in a checkout: development mode unless told otherwise.

Production uses the `luoshi` command and gunicorn (luoshi.wsgi), which keep the safe
defaults: debug off and no start without LUOSHI_SECRET_KEY.
"""

import os
import sys

from luoshi.cli import main

if __name__ == "__main__":
    if not os.environ.get("LUOSHI_SECRET_KEY"):
        os.environ.setdefault("LUOSHI_DEBUG", "1")
    sys.exit(main(sys.argv))
