"""Cheap argon2 parameters for tests (the real cost takes seconds per hash on a loaded machine)."""

import os

os.environ.setdefault("SLATE_PASSWORD_TIME_COST", "1")
os.environ.setdefault("SLATE_PASSWORD_MEMORY_COST_KIB", "1024")
os.environ.setdefault("SLATE_PASSWORD_PARALLELISM", "1")
