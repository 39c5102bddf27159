"""Rich renderings shared by commands: the two status panels and the audit trail."""

from __future__ import annotations

from rich.columns import Columns
from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from slate.models import AssetColor, AssetRole, AssetVersion, AuditEvent, SourceRequest
from slate.textsafe import printable

__all__ = ["audit_table", "shown", "status_panels", "versions_table"]


def shown(text: object) -> str:
    """Outside text (a portal title, a file name, a subtitle line) as rich may print it.

    Control characters become visible escapes (:func:`slate.textsafe.printable`) and ``[…]`` is
    not read as rich markup, so a title can neither drive the terminal nor restyle the output.
    """
    return escape(printable(str(text)))


def _fields(rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim")
    table.add_column()
    for key, value in rows:
        table.add_row(key, value)  # values are escaped by the caller (some carry markup of ours)
    return table


def status_panels(request: SourceRequest, versions: list[AssetVersion]) -> Columns:
    """The portal's status beside ours, never merged: the two panels operators compare."""
    episode = ""
    if request.season is not None and request.episode_number is not None:
        episode = f"S{request.season:02d}E{request.episode_number:02d} {request.episode_title or ''}".strip()
    portal = _fields(
        [
            ("request", shown(request.request_id)),
            ("title", shown(request.title)),
            ("episode", shown(episode or "-")),
            ("source type", shown(f"{request.source_type.value} ({request.language})")),
            ("status", f"[bold]{request.portal_status.value}[/]"),
            ("due", str(request.due_date or "-")),
            ("partners", shown(f"{request.content_partner or '-'} → {request.fulfillment_partner or '-'}")),
        ]
    )
    own = [v for v in versions if v.role is AssetRole.DELIVERABLE]
    materials = [v for v in versions if v.role is AssetRole.MATERIAL and v.color is AssetColor.LIGHT_BLUE]
    current = next((v for v in reversed(own) if v.color in (AssetColor.LIGHT_BLUE, AssetColor.GRAY)), None)
    internal = _fields(
        [
            ("material", f"[bold]{request.material_status.value}[/]"),
            ("service type", str(request.service) if request.service else "[red]not set[/]"),
            ("versions", str(len(own))),
            ("current", shown(f"{current.label} {current.color.value}") if current else "-"),
            ("references", shown(", ".join(v.label for v in materials) or "-")),
            ("notes", shown(request.notes or "-")),
        ]
    )
    return Columns([Panel(portal, title="Portal"), Panel(internal, title="Slate")], expand=True)


def versions_table(versions: list[AssetVersion]) -> Table:
    """Every version with its colour and checksum; the portal's reference materials marked as such."""
    table = Table(title="Versions", expand=True)
    for column in ("version", "kind", "size", "colour", "frozen", "sha256", "by"):
        table.add_column(column)
    for v in versions:
        table.add_row(
            shown(v.label),
            "deliverable" if v.role is AssetRole.DELIVERABLE else "portal material",
            f"{v.size:,}",
            v.color.value,
            "yes" if v.frozen else "",
            v.sha256[:12],
            shown(v.created_by),
        )
    return table


def audit_table(events: list[AuditEvent]) -> Table:
    """The audit trail: who, when, from, to, and why."""
    table = Table(title="Audit trail", expand=True)
    for column in ("when (UTC)", "who", "what", "from", "to", "why"):
        table.add_column(column)
    for e in events:
        what = f"{e.subject} {e.transition}" + (" (auto)" if e.automatic else "")
        table.add_row(
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            shown(e.actor),
            shown(what),
            e.from_state or "-",
            e.to_state,
            shown(e.reason),
        )
    return table


def request_view(request: SourceRequest, versions: list[AssetVersion], events: list[AuditEvent]) -> Group:
    """Everything ``slate status`` prints."""
    return Group(status_panels(request, versions), versions_table(versions), audit_table(events))
