"""Shared fixtures. Each real part (database, S3 server, Prefect server, portal) has its own plugin module."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.s3_server",
    "tests.fixtures.prefect_server",
    "tests.fixtures.portal",
    "tests.fixtures.browser",
]
