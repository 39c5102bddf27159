"""The one interface Slate uses to talk to a partner portal.

Flows and tasks depend on :class:`PortalClient`, never on HTTP. The HTTP implementation
(:class:`slate.backlot.HttpPortalClient`) speaks the contract the emulator documents; an adapter for
a real portal whose HTTP differs is another subclass. Every method raises only
:class:`~slate.errors.PortalUnavailable` (retry later) or :class:`~slate.errors.PortalRejected`
(final), so callers decide on retries by class alone.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from slate.backlot._contract import (
    AssetState,
    Comment,
    DeliveryDeclaration,
    DownloadAsset,
    DownloadAssetType,
    DownloadCategory,
    ImfDeliveryResult,
    Manifest,
    Page,
    PortalDelivery,
    PortalSourceRequest,
    RedeliveryRequest,
)
from slate.models import PortalStatus, SourceType

__all__ = ["DownloadResult", "PortalClient", "RateLimiter", "iterate_pages"]

#: Called with a byte count before those bytes are sent; it may sleep to cap the bandwidth.
RateLimiter = Callable[[int], None]

T = TypeVar("T")


class DownloadResult(BaseModel):
    """What a finished download wrote, and how many times it had to resume."""

    path: Path
    size: int
    sha256: str
    resumes: int


def iterate_pages(fetch: Callable[[str | None], Page[T]]) -> Iterator[T]:
    """Every item of a paginated listing, fetching the next page only when needed."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.items
        if not page.next_cursor:
            return
        cursor = page.next_cursor


class PortalClient(abc.ABC):
    """The portal's operations, in its vocabulary."""

    @abc.abstractmethod
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
        """One page of the source requests visible to us, oldest change first.

        ``changed_since`` is a watermark: only requests updated strictly after it are listed, so a
        reconciler keeps the largest ``updated_at`` it has seen and asks again from there.
        """

    def iter_source_requests(
        self,
        *,
        changed_since: datetime | None = None,
        status: PortalStatus | None = None,
        source_type: SourceType | None = None,
        movie_id: str | None = None,
        limit: int | None = None,
    ) -> Iterator[PortalSourceRequest]:
        """Every source request matching the filters, page after page (``limit`` is the page size)."""
        return iterate_pages(
            lambda cursor: self.list_source_requests(
                changed_since=changed_since,
                status=status,
                source_type=source_type,
                movie_id=movie_id,
                cursor=cursor,
                limit=limit,
            )
        )

    @abc.abstractmethod
    def get_source_request(self, request_id: str) -> PortalSourceRequest:
        """One source request; PortalRejected (404) when it does not exist or is not ours."""

    @abc.abstractmethod
    def deliver(
        self,
        request_id: str,
        path: Path,
        declaration: DeliveryDeclaration,
        *,
        rate_limiter: RateLimiter | None = None,
    ) -> PortalDelivery:
        """Upload ``path`` to a request with its declaration; the file is streamed, never loaded whole.

        The returned delivery is usually ``PENDING_INSPECTION``; its QC outcome arrives later
        (webhook or :meth:`get_delivery`).
        """

    @abc.abstractmethod
    def deliver_imf(self, request_ids: list[str], assetmap: Path, pkl: Path, cpl: Path) -> ImfDeliveryResult:
        """Declare an IMF package (its ASSETMAP, PKL and one CPL) to every IMF request the CPL answers.

        The answer is per CPL (SUCCESS, or ERROR with the portal's reasons) and per track and
        request (NEW, MODIFIED, UNMODIFIED or ERROR); a refusal is an answer, not an exception.
        """

    @abc.abstractmethod
    def list_imf_deliveries(self, request_id: str) -> list[ImfDeliveryResult]:
        """The IMF deliveries the portal accepted for a request (its SUCCESS answers), oldest first.

        The answer to an IMF delivery carries no delivery id; this is how a vendor that lost its
        record of an answer (a crash after the call) learns whether a CPL already went.
        """

    @abc.abstractmethod
    def get_delivery(self, delivery_id: str) -> PortalDelivery:
        """One delivery with its current QC outcome."""

    @abc.abstractmethod
    def list_deliveries(self, request_id: str) -> list[PortalDelivery]:
        """Every delivery made to a request, oldest first."""

    @abc.abstractmethod
    def list_redelivery_requests(
        self,
        *,
        request_id: str | None = None,
        changed_since: datetime | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[RedeliveryRequest]:
        """One page of redelivery requests, oldest first."""

    def iter_redelivery_requests(
        self, *, request_id: str | None = None, changed_since: datetime | None = None
    ) -> Iterator[RedeliveryRequest]:
        """Every redelivery request matching the filters, page after page."""
        return iterate_pages(
            lambda cursor: self.list_redelivery_requests(
                request_id=request_id, changed_since=changed_since, cursor=cursor
            )
        )

    @abc.abstractmethod
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
        """One page of materials of the titles of ``request_ids`` (and/or ``movie_ids``).

        Materials this caller may not see (a locked proxy for a content partner) are simply absent.
        """

    def iter_download_assets(
        self,
        *,
        request_ids: list[str] | None = None,
        movie_ids: list[str] | None = None,
        categories: list[DownloadCategory] | None = None,
        types: list[DownloadAssetType] | None = None,
        states: list[AssetState] | None = None,
        limit: int | None = None,
    ) -> Iterator[DownloadAsset]:
        """Every material matching the filters, page after page (``limit`` is the page size)."""
        return iterate_pages(
            lambda cursor: self.search_download_assets(
                request_ids=request_ids,
                movie_ids=movie_ids,
                categories=categories,
                types=types,
                states=states,
                cursor=cursor,
                limit=limit,
            )
        )

    @abc.abstractmethod
    def get_download_assets_manifests(self, asset_ids: list[str]) -> list[Manifest]:
        """The manifests (one per title) listing how to fetch ``asset_ids``."""

    @abc.abstractmethod
    def download_asset(
        self,
        asset_id: str,
        dest: Path,
        *,
        sha256: str | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> DownloadResult:
        """Stream a material to ``dest``, resuming by HTTP Range after an interruption.

        ``dest`` appears only when complete and, if ``sha256`` is given, verified; a mismatch raises
        :class:`~slate.errors.IntegrityError` and leaves nothing at ``dest``.
        """

    @abc.abstractmethod
    def list_comments(self, request_id: str) -> list[Comment]:
        """The comments on a request, oldest first."""

    @abc.abstractmethod
    def post_comment(self, request_id: str, body: str) -> Comment:
        """Add a comment to a request."""

    @abc.abstractmethod
    def cancel(self, request_id: str, reason: str = "") -> PortalSourceRequest:
        """Cancel a request (a non-primary fulfillment partner's right on the real portal)."""

    @abc.abstractmethod
    def uncancel(self, request_id: str) -> PortalSourceRequest:
        """Undo a cancellation: the request gets back the status it had."""

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release connections; the default has none."""
