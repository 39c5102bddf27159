"""What to download: the requests (by id, or by show and season), material types and states.

The portal lists materials per title (episode), across every request of that title, so a
selection resolves to requests first, then asks the portal for the materials of their titles, and
finally gives each file its place: ``<episode folder>/<safe file name>``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, model_validator

from slate.backlot import AssetState, DownloadAsset, DownloadAssetType, DownloadCategory, PortalClient
from slate.backlot import PortalSourceRequest as Request
from slate.downloads._naming import assign_unique, episode_folder, safe_file_name, safe_name, tagged
from slate.errors import InvalidInput, NotFound, PortalRejected

__all__ = [
    "PlannedFile",
    "Selection",
    "fit_to_destination",
    "make_selection",
    "parse_states",
    "parse_types",
    "select_materials",
    "type_tokens",
]

_CATEGORY_TOKENS = {
    "video": DownloadCategory.VIDEO,
    "audio": DownloadCategory.AUDIO,
    "timed_text": DownloadCategory.TIMED_TEXT,
    "docs": DownloadCategory.DOCS,
}


def _token(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_").replace("&", "")


def _type_token(kind: DownloadAssetType) -> str:
    return kind.name.lower()


def type_tokens() -> list[str]:
    """Every token ``--types`` accepts: a category (``audio``) or ``category.type``."""
    tokens = list(_CATEGORY_TOKENS)
    for cat_token, category in _CATEGORY_TOKENS.items():
        tokens += [f"{cat_token}.{_type_token(k)}" for k in DownloadAssetType if k.category is category]
    return tokens


def _types_of_token(token: str) -> list[DownloadAssetType]:
    key = _token(token)
    if key.replace("timedtext", "timed_text") in _CATEGORY_TOKENS:
        category = _CATEGORY_TOKENS[key.replace("timedtext", "timed_text")]
        return [k for k in DownloadAssetType if k.category is category]
    cat_token, _, type_token = key.rpartition(".")
    for kind in DownloadAssetType:
        category_ok = not cat_token or _CATEGORY_TOKENS.get(cat_token) is kind.category
        if category_ok and type_token == _type_token(kind):
            return [kind]
    raise InvalidInput(
        f"unknown material type {token!r}; use one of: {', '.join(type_tokens())}",
        value=token,
        rule="a category or category.type",
    )


def parse_types(tokens: Iterable[str]) -> list[DownloadAssetType]:
    """``["video", "audio.printmaster"]`` as portal types, in the portal's order; empty means all."""
    wanted = {kind for token in tokens if token.strip() for kind in _types_of_token(token)}
    return [k for k in DownloadAssetType if k in wanted]


def parse_states(tokens: Iterable[str]) -> list[AssetState]:
    """``["active", "upgraded"]`` as portal states; an unknown word is a clear error."""
    by_token = {_token(s.name): s for s in AssetState}
    states: list[AssetState] = []
    for token in tokens:
        if not token.strip():
            continue
        state = by_token.get(_token(token))
        if state is None:
            raise InvalidInput(
                f"unknown material state {token!r}; use one of: {', '.join(by_token)}",
                value=token,
                rule="active, not_available or upgraded",
            )
        states.append(state)
    return [s for s in AssetState if s in states]


class Selection(BaseModel):
    """The materials wanted: of some requests, or of a show (and season); of some types and states."""

    request_ids: list[str] = Field(default_factory=list)
    title: str | None = None
    season: int | None = Field(default=None, ge=0)
    #: Empty means every type.
    types: list[DownloadAssetType] = Field(default_factory=list)
    states: list[AssetState] = Field(default_factory=lambda: [AssetState.ACTIVE])

    @model_validator(mode="after")
    def _one_way_to_choose(self) -> Selection:
        if bool(self.request_ids) == bool(self.title):
            raise ValueError("choose materials by request ids or by title, exactly one of the two")
        if self.season is not None and not self.title:
            raise ValueError("a season narrows a title; give --title with --season")
        return self


class PlannedFile(BaseModel):
    """One material and where it goes under the destination folder."""

    asset: DownloadAsset
    #: The selected requests of the material's title (materials belong to titles, not requests).
    request_ids: list[str]
    folder: str
    file_name: str

    @property
    def relpath(self) -> str:
        return f"{self.folder}/{self.file_name}"

    @property
    def downloadable(self) -> bool:
        return self.asset.state is not AssetState.NOT_AVAILABLE


def make_selection(
    *,
    request_ids: Iterable[str] = (),
    title: str | None = None,
    season: int | None = None,
    types: Iterable[str] = (),
    states: Iterable[str] = ("active",),
) -> Selection:
    """A selection from words (as typed on the command line or given to the flow).

    Every mistake is an :class:`InvalidInput` saying what to write instead.
    """
    try:
        return Selection(
            request_ids=[r.strip() for r in request_ids if r.strip()],
            title=title,
            season=season,
            types=parse_types(types),
            states=parse_states(states),
        )
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise InvalidInput(message, rule="requests or a title; a season only with a title") from exc


def _requests_by_id(client: PortalClient, request_ids: list[str]) -> list[Request]:
    found = []
    for request_id in dict.fromkeys(request_ids):
        try:
            found.append(client.get_source_request(request_id))
        except PortalRejected as exc:
            if exc.data.get("status") != 404:
                raise
            raise NotFound(
                f"source request {request_id} is not on the portal (or not visible to this account)",
                request_id=request_id,
            ) from exc
    return found


def _requests_by_title(client: PortalClient, title: str, season: int | None) -> list[Request]:
    wanted = title.strip().casefold()
    found = [
        r
        for r in client.iter_source_requests()
        if wanted in {(r.show_name or "").strip().casefold(), r.title.strip().casefold()}
        and (season is None or r.season_number == season)
    ]
    if not found:
        where = f" season {season}" if season is not None else ""
        raise NotFound(f"no source request of {title!r}{where} is visible on the portal", title=title)
    return found


def _folders(requests: list[Request]) -> dict[str, str]:
    """One folder per title (movie id), named after the first request seen of it."""
    first: dict[str, Request] = {}
    for r in requests:
        first.setdefault(r.movie_id, r)
    names = {
        movie_id: episode_folder(
            movie_id=movie_id,
            title=r.title,
            show_name=r.show_name,
            season=r.season_number,
            episode_number=r.episode_number,
            episode_title=r.episode_title,
        )
        for movie_id, r in first.items()
    }
    return assign_unique(names)


def _plan(assets: list[DownloadAsset], requests: list[Request]) -> list[PlannedFile]:
    folders = _folders(requests)
    ids_of_movie: dict[str, list[str]] = defaultdict(list)
    for r in requests:
        ids_of_movie[r.movie_id].append(r.request_id)
    by_folder: dict[str, dict[str, str]] = defaultdict(dict)
    for asset in assets:
        folder = folders.get(asset.movie_id) or safe_name(asset.movie_id, identity=asset.movie_id)
        by_folder[folder][asset.asset_id] = safe_file_name(asset.file_name, identity=asset.asset_id)
    names = {folder: assign_unique(files) for folder, files in by_folder.items()}
    planned = []
    for asset in assets:
        folder = folders.get(asset.movie_id) or safe_name(asset.movie_id, identity=asset.movie_id)
        request_ids = sorted(ids_of_movie.get(asset.movie_id, [])) or (
            [asset.request_id] if asset.request_id else []
        )
        planned.append(
            PlannedFile(
                asset=asset, request_ids=request_ids, folder=folder, file_name=names[folder][asset.asset_id]
            )
        )
    return sorted(planned, key=lambda p: (p.folder, list(DownloadAssetType).index(p.asset.type), p.file_name))


def select_materials(client: PortalClient, selection: Selection) -> list[PlannedFile]:
    """The files the selection names, each with its folder and safe file name.

    Materials the account may not see (a locked proxy for a content partner) are simply absent.
    """
    if selection.request_ids:
        requests = _requests_by_id(client, selection.request_ids)
    else:
        assert selection.title is not None
        requests = _requests_by_title(client, selection.title, selection.season)
    assets = list(
        client.iter_download_assets(
            request_ids=[r.request_id for r in requests],
            types=selection.types,
            states=selection.states,
        )
    )
    return _plan(assets, requests)


def fit_to_destination(files: Sequence[PlannedFile], dest: Path) -> list[PlannedFile]:
    """Keep episodes apart from folders an earlier run left in ``dest`` that differ only in case.

    One title always gets the same folder name, so a folder of ``dest`` that equals a planned one
    up to case but not exactly belongs to another title (``Salt`` then ``SALT``): on Windows and
    macOS both would land in one folder. Such planned folders get the title's id appended, as
    within one selection.
    """
    try:
        existing = {p.name.casefold(): p.name for p in dest.iterdir() if p.is_dir()}
    except OSError:  # no destination yet (or unreadable: the download reports that clearly)
        return list(files)
    fitted = []
    for item in files:
        there = existing.get(item.folder.casefold())
        clash = there is not None and there != item.folder
        new_folder = tagged(item.folder, item.asset.movie_id)
        fitted.append(item.model_copy(update={"folder": new_folder}) if clash else item)
    return fitted
