"""Who may do what: rights by role, rights by share, and the state-gated rule table.

Every decision goes through :func:`decide`, which reads three things as data: what a role may do
anywhere (:data:`ROLE_ACTIONS`), what a person's shares grant on a request (:class:`Grant`), and
which roles may take an action while the request's material is in a given state
(:data:`STATE_RULES`, like the lifecycle's transition table). An action passes only if the role or
a share allows it *and* a state rule lets that role (or that share) act in the current state: a
LIGHT_BLUE (accepted) or delivered version's metadata is frozen for everyone; a RED (redelivery
requested) version is replaced only by an operator or by who holds an upload share.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from slate.errors import AccessDenied
from slate.models import MaterialStatus
from slate.people._users import Role, User

__all__ = ["ROLE_ACTIONS", "STATE_RULES", "Action", "Grant", "StateRule", "decide", "require"]

M = MaterialStatus


class Action(StrEnum):
    VIEW = "view"
    DOWNLOAD = "download"
    UPLOAD = "upload"
    VALIDATE = "validate"
    SET_SERVICE = "set_service"
    DELIVER = "deliver"
    EDIT_METADATA = "edit_metadata"
    SHARE = "share"
    #: Answer a validation paused for an operator (the Prefect pause form's decision).
    DECIDE = "decide"
    #: Run a failed or crashed step of the request again.
    RETRY = "retry"


class Grant(BaseModel):
    """What a person's live shares allow on one request (all False when nothing is shared)."""

    model_config = ConfigDict(frozen=True)

    can_view: bool = False
    can_download: bool = False
    can_upload: bool = False
    can_edit: bool = False
    #: Versions the shares reach; None means every version of the request.
    version_ids: frozenset[int] | None = None
    #: The share a download is logged against (the first live one granting it).
    download_share_id: int | None = None


_STAFF = frozenset({Role.ADMIN, Role.PROJECT_MANAGER, Role.OPERATOR})
_OPS = frozenset({Role.ADMIN, Role.OPERATOR})

#: What each role may do by its role alone (before the state rules). Freelancers and vendors
#: hold nothing by role: everything they do comes from a share.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.OPERATOR: frozenset(Action),
    Role.PROJECT_MANAGER: frozenset(
        {Action.VIEW, Action.DOWNLOAD, Action.SET_SERVICE, Action.EDIT_METADATA, Action.SHARE}
    ),
    Role.VIEWER: frozenset({Action.VIEW}),
    Role.FREELANCER: frozenset(),
    Role.VENDOR: frozenset(),
}

#: The share flag that grants each action to a person who lacks it by role.
SHARE_FLAGS: dict[Action, str] = {
    Action.VIEW: "can_view",
    Action.DOWNLOAD: "can_download",
    Action.UPLOAD: "can_upload",
    Action.EDIT_METADATA: "can_edit",
}


@dataclass(frozen=True)
class StateRule:
    """In these material states, these roles (and holders of ``share_flag``) may take ``action``."""

    action: Action
    states: frozenset[MaterialStatus]
    roles: frozenset[Role]
    share_flag: str | None
    why: str


_LIVE = frozenset(set(M) - {M.CANCELED})

STATE_RULES: tuple[StateRule, ...] = (
    StateRule(Action.VIEW, frozenset(M), frozenset(Role), "can_view", "anyone allowed may look"),
    StateRule(Action.DOWNLOAD, frozenset(M), _STAFF, "can_download", "stored versions can be fetched"),
    StateRule(
        Action.UPLOAD,
        frozenset({M.NOT_RECEIVED, M.RECEIVED, M.ACCEPTED}),
        _OPS,
        "can_upload",
        "a new version may come in until the request is delivered",
    ),
    StateRule(
        Action.UPLOAD,
        frozenset({M.REDELIVERY_REQUESTED}),
        frozenset({Role.OPERATOR}),
        "can_upload",
        "a RED version is replaced only by an operator or who holds an upload share",
    ),
    StateRule(
        Action.EDIT_METADATA,
        frozenset({M.NOT_RECEIVED, M.RECEIVED, M.REDELIVERY_REQUESTED}),
        _STAFF,
        "can_edit",
        "metadata is frozen once the version is LIGHT_BLUE (accepted) or delivered",
    ),
    StateRule(
        Action.VALIDATE, frozenset({M.RECEIVED, M.ACCEPTED}), _OPS, None, "QC runs on a stored version"
    ),
    StateRule(
        Action.SET_SERVICE,
        frozenset({M.NOT_RECEIVED, M.RECEIVED, M.ACCEPTED, M.REDELIVERY_REQUESTED}),
        _STAFF,
        None,
        "the Service Type is fixed once delivered",
    ),
    StateRule(
        Action.DELIVER,
        frozenset({M.RECEIVED, M.ACCEPTED}),
        _OPS,
        None,
        "only a received or accepted (LIGHT_BLUE) version is delivered",
    ),
    StateRule(Action.SHARE, _LIVE, _STAFF, None, "work is shared while the request is live"),
    StateRule(
        Action.DECIDE,
        frozenset({M.RECEIVED, M.ACCEPTED, M.REDELIVERY_REQUESTED}),
        _OPS,
        None,
        "a paused validation is answered while its version waits, by who may validate",
    ),
    StateRule(
        Action.RETRY,
        _LIVE,
        _OPS,
        None,
        "a failed step runs again while the request is live, by who runs steps",
    ),
)


def _rule_allows(user: User, action: Action, state: MaterialStatus, grant: Grant) -> bool:
    by_role = action in ROLE_ACTIONS[user.role]
    flag = SHARE_FLAGS.get(action)
    by_share = flag is not None and grant.can_view and bool(getattr(grant, flag))
    for rule in STATE_RULES:
        if rule.action is not action or state not in rule.states:
            continue
        if by_role and user.role in rule.roles:
            return True
        if by_share and rule.share_flag == flag:
            return True
    return False


def decide(user: User, action: Action, state: MaterialStatus, grant: Grant | None = None) -> bool:
    """Whether ``user`` may take ``action`` on a request whose material is in ``state``."""
    if user.disabled:
        return False
    if user.external and not (grant and grant.can_view):
        return False  # nothing shared: the request does not exist for them
    return _rule_allows(user, action, state, grant or Grant())


def require(user: User, action: Action, state: MaterialStatus, grant: Grant | None = None) -> None:
    """Raise :class:`AccessDenied` naming the rule unless :func:`decide` allows the action."""
    if not decide(user, action, state, grant):
        reasons = [r.why for r in STATE_RULES if r.action is action and state not in r.states]
        raise AccessDenied(
            f"{user.name} ({user.role}) may not {action.value} while the material is {state.value}"
            + (f" ({reasons[0]})" if reasons else ""),
            user=user.name,
            action=action.value,
            state=state.value,
        )
