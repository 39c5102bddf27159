"""People of the workspace: users, roles, groups, sessions, shares and who may do what.

Pure domain: no web framework, no Prefect. The workspace (and ``slate user``) call these; the
rules they apply are data here (:data:`ROLE_ACTIONS`, :data:`STATE_RULES`).
"""

from slate.people._access import ROLE_ACTIONS, STATE_RULES, Action, Grant, StateRule, decide, require
from slate.people._reports import REPORT_ROLES, Report, may_see, require_report
from slate.people._rows import (
    GroupRow,
    LoginAttemptRow,
    MembershipRow,
    ShareDownloadRow,
    ShareRow,
    UserRow,
    WebSessionRow,
)
from slate.people._sessions import LoginPolicy, SignedIn, log_in, resolve_session, revoke_session
from slate.people._shares import (
    Share,
    ShareSubject,
    create_share,
    downloads_of_share,
    grant_for,
    log_download,
    revoke_share,
    shares_of_request,
    visible_requests,
)
from slate.people._users import (
    EXTERNAL_ROLES,
    Group,
    GroupKind,
    Role,
    User,
    add_user,
    disable_user,
    find_user,
    get_user,
    hash_password,
    list_groups,
    list_users,
    verify_password,
)

__all__ = [
    "EXTERNAL_ROLES",
    "REPORT_ROLES",
    "ROLE_ACTIONS",
    "STATE_RULES",
    "Action",
    "Grant",
    "Group",
    "GroupKind",
    "GroupRow",
    "LoginAttemptRow",
    "LoginPolicy",
    "MembershipRow",
    "Report",
    "Role",
    "Share",
    "ShareDownloadRow",
    "ShareRow",
    "ShareSubject",
    "SignedIn",
    "StateRule",
    "User",
    "UserRow",
    "WebSessionRow",
    "add_user",
    "create_share",
    "decide",
    "disable_user",
    "downloads_of_share",
    "find_user",
    "get_user",
    "grant_for",
    "hash_password",
    "list_groups",
    "list_users",
    "log_download",
    "log_in",
    "may_see",
    "require",
    "require_report",
    "resolve_session",
    "revoke_session",
    "revoke_share",
    "shares_of_request",
    "verify_password",
    "visible_requests",
]
