"""Slate: the domain package (models, lifecycle, store, blob storage, portal, media, settings, CLI)."""

__version__ = "0.1.0"
