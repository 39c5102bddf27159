"""Who may read the reports: rights by role, kept as data beside the request rights.

The reports carry money (internal costs, third-party fees, what a request cost) and the
programme's KPIs. Neither is a right on one request, so neither is an :class:`Action` gated by the
material's state: a person holds it by role or not at all. No share grants it either: a share
lends a freelancer or vendor the work, never the vendor's costs.
"""

from __future__ import annotations

from enum import StrEnum

from slate.errors import AccessDenied
from slate.people._users import Role, User

__all__ = ["REPORT_ROLES", "Report", "may_see", "require_report"]


class Report(StrEnum):
    #: The request export (``slate export request``): costs and fees of every request of a package.
    COSTS = "costs"
    #: The KPIs against their thresholds, and the costliest requests (``slate kpi``).
    KPI = "kpi"


#: The roles that may see each report: the people who bill and who answer for the programme.
REPORT_ROLES: dict[Report, frozenset[Role]] = {
    Report.COSTS: frozenset({Role.ADMIN, Role.PROJECT_MANAGER}),
    Report.KPI: frozenset({Role.ADMIN, Role.PROJECT_MANAGER}),
}


def may_see(user: User, report: Report) -> bool:
    """Whether ``user`` may see ``report`` (never a disabled or external person, whatever the table says)."""
    return not user.disabled and not user.external and user.role in REPORT_ROLES[report]


def require_report(user: User, report: Report) -> None:
    """Raise :class:`AccessDenied` unless ``user`` may see ``report``."""
    if not may_see(user, report):
        raise AccessDenied(
            f"{user.name} ({user.role}) may not see the {report.value} report",
            user=user.name,
            report=report.value,
        )
