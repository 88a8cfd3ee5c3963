"""The restored instance of test_backup.py: the normal settings, plus the models folder
(a `LUOSHI["…_DIR"]` tree, as the citizen app's trained models will be) from the env."""

import os

from luoshi.settings import *  # noqa: F403
from luoshi.settings import LUOSHI

LUOSHI = {**LUOSHI, "MODELS_DIR": os.environ["LUOSHI_MODELS_DIR"]}
LANGUAGE_CODE = "en"
