"""The HTTP implementation of :class:`PortalClient`, for the emulator's contract.

Paths, query names and bodies are those documented in ``docs/portal-contract.md`` (the OpenAPI
of the emulator). Everything resilient lives in :class:`PortalTransport`; this module only maps
operations to requests and answers to contract models.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError

from slate.backlot._auth import ClientCredentials
from slate.backlot._contract import (
    AssetState,
    CancelRequest,
    Comment,
    DeliveryDeclaration,
    DownloadAsset,
    DownloadAssetSearch,
    DownloadAssetType,
    DownloadCategory,
    ImfDelivery,
    ImfDeliveryResult,
    Manifest,
    ManifestQuery,
    NewComment,
    Page,
    PortalDelivery,
    PortalSourceRequest,
    RedeliveryRequest,
)
from slate.backlot._download import download_to
from slate.backlot._interface import DownloadResult, PortalClient, RateLimiter
from slate.backlot._transport import PortalTransport, RetryPolicy
from slate.errors import InvalidInput, PortalRejected
from slate.models import PortalStatus, SourceType
from slate.settings import Settings, get_settings

__all__ = ["HttpPortalClient"]

M = TypeVar("M")


def _segment(value: str) -> str:
    """``value`` as one path segment: every reserved character encoded, dot segments refused.

    Ids come from webhooks and listings, that is from outside: unencoded, ``../../etc/passwd``
    would send the bearer token to another path of the portal's host.
    """
    if value in ("", ".", ".."):
        raise InvalidInput(f"{value!r} is not an id", value=value, rule="path segment")
    return quote(value, safe="")


def _parse(adapter: TypeAdapter[M], response: httpx.Response, operation: str) -> M:
    """The answer as a contract model; an answer that breaks the contract is a final error."""
    try:
        return adapter.validate_json(response.content)
    except ValidationError as exc:
        raise PortalRejected(
            f"portal {operation}: the answer does not follow the contract",
            operation=operation,
            status=response.status_code,
            portal_message=str(exc.errors(include_input=False))[:500],
            reason_code=None,
        ) from exc


def _body(model: BaseModel) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _file_chunks(path: Path, chunk_size: int, rate_limiter: RateLimiter | None) -> Iterator[bytes]:
    """The file in chunks, pacing each through the rate limiter; never the whole file at once."""
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_size):
            if rate_limiter is not None:
                rate_limiter(len(chunk))
            yield chunk


class HttpPortalClient(PortalClient):
    """The portal over HTTP, with OAuth2, retries, pagination and resumable transfers."""

    def __init__(
        self,
        base_url: str,
        *,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        scope: str = "sourcedelivery",
        timeout: httpx.Timeout | None = None,
        policy: RetryPolicy | None = None,
        refresh_margin: float = 60.0,
        page_size: int = 100,
        chunk_size: int = 1024 * 1024,
        download_resumes: int = 5,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # ``clock`` and ``sleep`` are the client's sense of time (token expiry, waits between
        # attempts): the real ones, or a test's, so that retries are tested without waiting.
        self._http = httpx.Client(
            base_url=base_url, timeout=timeout or httpx.Timeout(30.0, connect=5.0), transport=transport
        )
        self.credentials = ClientCredentials(
            self._http,
            token_url,
            client_id,
            client_secret,
            scope=scope,
            refresh_margin=refresh_margin,
            clock=clock,
        )
        self._transport = PortalTransport(self._http, self.credentials, policy or RetryPolicy(), sleep=sleep)
        self._page_size = page_size
        self._chunk_size = chunk_size
        self._download_resumes = download_resumes

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> HttpPortalClient:
        """A client configured from Slate's settings (``SLATE_PORTAL_*``)."""
        s = settings or get_settings()
        options: dict[str, Any] = {
            "token_url": s.effective_portal_token_url,
            "client_id": s.portal_client_id,
            "client_secret": s.portal_client_secret,
            "scope": s.portal_scope,
            "timeout": httpx.Timeout(
                connect=s.portal_connect_timeout,
                read=s.portal_read_timeout,
                write=s.portal_write_timeout,
                pool=s.portal_pool_timeout,
            ),
            "policy": RetryPolicy(
                max_attempts=s.portal_max_attempts,
                backoff_base=s.portal_backoff_base,
                backoff_max=s.portal_backoff_max,
                retry_after_max=s.portal_retry_after_max,
            ),
            "refresh_margin": s.portal_token_refresh_margin,
            "page_size": s.portal_page_size,
            "chunk_size": s.portal_chunk_size,
            "download_resumes": s.portal_download_resumes,
        }
        options.update(overrides)
        return cls(s.portal_base_url, **options)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HttpPortalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str, adapter: TypeAdapter[M], operation: str, **params: Any) -> M:
        clean = {k: v for k, v in params.items() if v is not None}
        response = self._transport.request("GET", path, operation=operation, params=clean)
        return _parse(adapter, response, operation)

    def _post(self, path: str, body: BaseModel, adapter: TypeAdapter[M], operation: str) -> M:
        response = self._transport.request("POST", path, operation=operation, json=_body(body))
        return _parse(adapter, response, operation)

    def list_source_requests(
        self,
        *,
        changed_since: datetime | None = None,
        status: PortalStatus | None = None,
        source_type: SourceType | None = None,
        movie_id: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[PortalSourceRequest]:
        return self._get(
            "/v1/requests",
            _PAGE_REQUESTS,
            "listSourceRequests",
            changedSince=changed_since.isoformat() if changed_since else None,
            status=status,
            sourceType=source_type,
            movieId=movie_id,
            cursor=cursor,
            limit=limit or self._page_size,
        )

    def get_source_request(self, request_id: str) -> PortalSourceRequest:
        return self._get(f"/v1/requests/{_segment(request_id)}", _REQUEST, "getSourceRequest")

    def deliver(
        self,
        request_id: str,
        path: Path,
        declaration: DeliveryDeclaration,
        *,
        rate_limiter: RateLimiter | None = None,
    ) -> PortalDelivery:
        if not path.is_file():
            raise InvalidInput(f"cannot deliver {path}: not a file", path=str(path), rule="file exists")
        if path.stat().st_size != declaration.size:
            raise InvalidInput(
                f"cannot deliver {path}: declared size {declaration.size} differs from the file's",
                path=str(path),
                rule="declared size equals file size",
            )
        response = self._transport.request(
            "POST",
            f"/v1/requests/{_segment(request_id)}/deliveries",
            operation="createDelivery",
            json=_body(declaration),
        )
        created = _parse(_DELIVERY, response, "createDelivery")
        response = self._transport.request(
            "PUT",
            f"/v1/deliveries/{_segment(created.delivery_id)}/file",
            operation="uploadDeliveryFile",
            content=lambda: _file_chunks(path, self._chunk_size, rate_limiter),
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(declaration.size)},
        )
        return _parse(_DELIVERY, response, "uploadDeliveryFile")

    def deliver_imf(self, request_ids: list[str], assetmap: Path, pkl: Path, cpl: Path) -> ImfDeliveryResult:
        body = ImfDelivery(
            request_ids=request_ids,
            asset_map_xml=assetmap.read_text(encoding="utf-8"),
            packing_list_xml=pkl.read_text(encoding="utf-8"),
            composition_playlist_xml=cpl.read_text(encoding="utf-8"),
        )
        return self._post("/v1/deliveries/imf", body, _IMF_RESULT, "deliverImf")

    def list_imf_deliveries(self, request_id: str) -> list[ImfDeliveryResult]:
        return self._get(
            f"/v1/requests/{_segment(request_id)}/deliveries/imf", _IMF_RESULTS, "listImfDeliveries"
        )

    def get_delivery(self, delivery_id: str) -> PortalDelivery:
        return self._get(f"/v1/deliveries/{_segment(delivery_id)}", _DELIVERY, "getDelivery")

    def list_deliveries(self, request_id: str) -> list[PortalDelivery]:
        return self._get(f"/v1/requests/{_segment(request_id)}/deliveries", _DELIVERIES, "listDeliveries")

    def list_redelivery_requests(
        self,
        *,
        request_id: str | None = None,
        changed_since: datetime | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[RedeliveryRequest]:
        return self._get(
            "/v1/redeliveryRequests",
            _PAGE_REDELIVERIES,
            "listRedeliveryRequests",
            requestId=request_id,
            changedSince=changed_since.isoformat() if changed_since else None,
            cursor=cursor,
            limit=limit or self._page_size,
        )

    def search_download_assets(
        self,
        *,
        request_ids: list[str] | None = None,
        movie_ids: list[str] | None = None,
        categories: list[DownloadCategory] | None = None,
        types: list[DownloadAssetType] | None = None,
        states: list[AssetState] | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[DownloadAsset]:
        query = DownloadAssetSearch(
            request_ids=request_ids or [],
            movie_ids=movie_ids or [],
            categories=categories or [],
            types=types or [],
            states=states or [],
            cursor=cursor,
            limit=limit or self._page_size,
        )
        return self._post("/v1/downloads/searchDownloadAssets", query, _PAGE_ASSETS, "searchDownloadAssets")

    def get_download_assets_manifests(self, asset_ids: list[str]) -> list[Manifest]:
        query = ManifestQuery(asset_ids=asset_ids)
        return self._post(
            "/v1/downloads/getDownloadAssetsManifests", query, _MANIFESTS, "getDownloadAssetsManifests"
        )

    def download_asset(
        self,
        asset_id: str,
        dest: Path,
        *,
        sha256: str | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> DownloadResult:
        return download_to(
            self._transport,
            f"/v1/downloads/assets/{_segment(asset_id)}/content",
            dest,
            sha256=sha256,
            chunk_size=self._chunk_size,
            max_resumes=self._download_resumes,
            rate_limiter=rate_limiter,
        )

    def list_comments(self, request_id: str) -> list[Comment]:
        return self._get(f"/v1/requests/{_segment(request_id)}/comments", _COMMENTS, "listComments")

    def post_comment(self, request_id: str, body: str) -> Comment:
        return self._post(
            f"/v1/requests/{_segment(request_id)}/comments", NewComment(body=body), _COMMENT, "postComment"
        )

    def cancel(self, request_id: str, reason: str = "") -> PortalSourceRequest:
        body = CancelRequest(request_id=request_id, reason=reason)
        return self._post("/v1/requests/cancel", body, _REQUEST, "cancel")

    def uncancel(self, request_id: str) -> PortalSourceRequest:
        return self._post("/v1/requests/uncancel", CancelRequest(request_id=request_id), _REQUEST, "uncancel")


_REQUEST = TypeAdapter(PortalSourceRequest)
_PAGE_REQUESTS = TypeAdapter(Page[PortalSourceRequest])
_DELIVERY = TypeAdapter(PortalDelivery)
_IMF_RESULT = TypeAdapter(ImfDeliveryResult)
_IMF_RESULTS = TypeAdapter(list[ImfDeliveryResult])
_DELIVERIES = TypeAdapter(list[PortalDelivery])
_PAGE_REDELIVERIES = TypeAdapter(Page[RedeliveryRequest])
_PAGE_ASSETS = TypeAdapter(Page[DownloadAsset])
_MANIFESTS = TypeAdapter(list[Manifest])
_COMMENTS = TypeAdapter(list[Comment])
_COMMENT = TypeAdapter(Comment)
