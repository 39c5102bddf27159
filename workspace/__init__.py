"""The Slate workspace: the asset table, request pages, people and shares, in a web page.

It calls the domain (:mod:`slate`) and starts deployments; it holds no rule of its own.
"""

from workspace._settings import WorkspaceSettings
from workspace.app import create_app

__all__ = ["WorkspaceSettings", "create_app"]
