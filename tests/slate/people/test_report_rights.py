"""Who may see the costs and the KPIs: the table by role, and the people it never reaches."""

from __future__ import annotations

import pytest

from slate.errors import AccessDenied
from slate.people import REPORT_ROLES, Report, Role, User, may_see, require_report


def _user(role: Role, *, disabled: bool = False) -> User:
    return User(user_id=1, name=f"a {role.value}", role=role, disabled=disabled)


@pytest.mark.parametrize("report", list(Report))
def test_only_admins_and_project_managers_see_costs_and_kpis(report: Report) -> None:
    assert {role for role in Role if may_see(_user(role), report)} == {Role.ADMIN, Role.PROJECT_MANAGER}


def test_a_disabled_admin_sees_nothing_and_is_refused_by_name() -> None:
    assert not may_see(_user(Role.ADMIN, disabled=True), Report.COSTS)
    with pytest.raises(AccessDenied, match=r"a admin \(admin\) may not see the costs report"):
        require_report(_user(Role.ADMIN, disabled=True), Report.COSTS)
    require_report(_user(Role.PROJECT_MANAGER), Report.KPI)  # allowed: no error


def test_an_external_role_is_refused_even_if_the_table_named_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A vendor added to the table by mistake still gets no costs: external people see only shares."""
    monkeypatch.setitem(REPORT_ROLES, Report.COSTS, frozenset({Role.ADMIN, Role.VENDOR}))
    assert not may_see(_user(Role.VENDOR), Report.COSTS)
    assert may_see(_user(Role.ADMIN), Report.COSTS)
