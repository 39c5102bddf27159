"""Ingest: bring a file into the blob store as a new version of a request's deliverable.

The file is fetched (local path, watch folder, S3 URI or HTTP URL) to a local place, classified
and checked against the request *before* anything is stored: a file that does not fit (wrong
kind, wrong language, wrong channel count) is refused with an error naming the file and the rule,
and nothing is written. Then one read puts it in the blob store with both digests, and one
database transaction records the version (the previous one turns DARK_BLUE) and makes the
material RECEIVED. If that transaction fails, the stored object is removed again.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx
from pydantic import BaseModel

from slate import lifecycle
from slate.errors import ConfigurationError, InvalidInput, MediaError, NotFound, SlateError, StorageError
from slate.imf import blocking, validate_path
from slate.imf.source import is_imf_zip
from slate.imf.summary import report_summary
from slate.intake import slot_name
from slate.lifecycle import LifecycleEvent
from slate.media import probe
from slate.media.ttml_head import read_ttml_head
from slate.models import AssetCategory, SourceRequest, StoredFile, category_of
from slate.objects import BlobStore
from slate.store import Database, get_request, get_version

__all__ = ["IngestResult", "classify", "fetch", "ingest_file"]


class IngestResult(BaseModel):
    """What an ingest stored."""

    request_id: str
    version_id: int
    #: ``subtitle_es.xml v2``, the name people see.
    version_label: str
    blob_key: str
    file_name: str
    size: int
    sha256: str
    category: AssetCategory
    probe: dict[str, Any]
    events: list[LifecycleEvent]


@contextmanager
def fetch(source: str) -> Iterator[Path]:
    """Yield a local path holding ``source``: a file, the newest file of a folder, ``s3://`` or ``http(s)://``."""
    scheme = urlparse(source).scheme
    if scheme in ("http", "https"):
        with _download_http(source) as path:
            yield path
    elif scheme == "s3":
        with _download_s3(source) as path:
            yield path
    else:
        yield _local(Path(source.removeprefix("file://")))


def _local(path: Path) -> Path:
    if path.is_dir():
        files = [
            p for p in path.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix != ".part"
        ]
        if not files:
            raise NotFound(f"watch folder {path} holds no file to ingest", path=str(path))
        return _readable(max(files, key=lambda p: p.stat().st_mtime))
    if not path.is_file():
        raise NotFound(f"{path}: no such file", path=str(path))
    return _readable(path)


def _readable(path: Path) -> Path:
    """``path`` if this process may read it; else say so (not "no media" or a bare OSError later)."""
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise StorageError(
            f"cannot read {path}: {exc.strerror or exc} (rule: the source must be readable by Slate)",
            path=str(path),
            rule="the source is readable",
        ) from exc
    return path


def _url_file_name(url: str) -> str:
    """The file name a URL names, decoded ("ep%201.xml" is "ep 1.xml"); refused if it is no file name."""
    name = Path(unquote(urlparse(url).path)).name
    if name in ("", ".", "..") or "\x00" in name or "\\" in name:
        raise InvalidInput(
            f"cannot ingest {url}: its path does not end in a file name ({name!r})",
            url=url,
            rule="an HTTP source names a file: …/name.ext",
        )
    return name


@contextmanager
def _download_http(url: str) -> Iterator[Path]:
    name = _url_file_name(url)
    with tempfile.TemporaryDirectory(prefix="slate-ingest-") as scratch:
        target = Path(scratch) / name
        try:
            with httpx.stream("GET", url, timeout=60, follow_redirects=True) as response:
                response.raise_for_status()
                with target.open("wb") as out:
                    for chunk in response.iter_bytes(1024 * 1024):
                        out.write(chunk)
        except httpx.HTTPError as exc:
            raise StorageError(f"cannot fetch {url}: {exc}", url=url) from exc
        yield target


@contextmanager
def _download_s3(uri: str) -> Iterator[Path]:
    from slate.objects import S3Store
    from slate.settings import get_settings

    parsed = urlparse(uri)
    settings = get_settings().model_copy(update={"s3_bucket": parsed.netloc})
    store = S3Store.from_settings(settings)
    with tempfile.TemporaryDirectory(prefix="slate-ingest-") as scratch:
        target = Path(scratch) / Path(parsed.path).name
        try:
            store.get_to_path(parsed.path.lstrip("/"), target)
        except (NotFound, StorageError, ConfigurationError) as exc:
            raise _source_error(uri, exc) from exc
        yield target


def _source_error(uri: str, exc: SlateError) -> SlateError:
    """The store's error, restated about the source: a missing bucket is a missing source, not a setting."""
    if isinstance(exc, NotFound) or exc.data.get("code") == "NoSuchBucket":
        return NotFound(f"cannot fetch {uri}: {exc}", url=uri, rule="the source exists")
    if isinstance(exc, StorageError):
        return StorageError(f"cannot fetch {uri}: {exc}", url=uri)
    return ConfigurationError(f"cannot fetch {uri}: {exc}", url=uri, **exc.data)


def classify(path: Path) -> tuple[AssetCategory, dict[str, Any]]:
    """The file's category and a summary of what it holds (probe for media, language for text)."""
    suffix = path.suffix.lower()
    if suffix == ".zip" and is_imf_zip(path):
        return _classify_imf(path)
    named = category_of(path.name)
    if named is AssetCategory.TIMED_TEXT:
        head = read_ttml_head(path)
        return AssetCategory.TIMED_TEXT, {
            "format": suffix.lstrip("."),
            "language": head.language if head else None,
        }
    if named is AssetCategory.DOCS:
        return AssetCategory.DOCS, {"format": suffix.lstrip(".")}
    try:
        summary = probe(path)
    except MediaError as exc:
        raise InvalidInput(
            f"{path.name}: not a media file Slate can read ({exc})", path=str(path), rule="readable media"
        ) from exc
    data = summary.model_dump(mode="json")
    if summary.video is not None:
        return AssetCategory.VIDEO, data
    if summary.audio is not None:
        return AssetCategory.AUDIO, data
    raise InvalidInput(f"{path.name}: holds neither audio nor video", path=str(path), rule="readable media")


def _classify_imf(path: Path) -> tuple[AssetCategory, dict[str, Any]]:
    """An IMF package is an AV master: validated as the studio will, refused on any error."""
    report = validate_path(path)
    if not report.ok:
        reasons = "; ".join(f"{f.code} {f.file}: {f.message}" for f in blocking(report.findings)[:5])
        raise InvalidInput(
            f"{path.name}: the IMF package does not validate ({reasons})",
            path=str(path),
            rule="IMF package validates",
        )
    summary = report_summary(report)
    languages = [lang for c in summary["compositions"] for lang in c["languages"]]
    return AssetCategory.VIDEO, {
        "format": "imf",
        "language": languages[0] if languages else None,
        "imf": summary,
    }


def check_fit(path: Path, request: SourceRequest, category: AssetCategory, summary: dict[str, Any]) -> None:
    """Refuse a file whose kind, language or channel count does not fit the request."""
    expected = request.source_type.category
    if category is not expected:
        raise InvalidInput(
            f"{path.name}: a file of kind {category.value} cannot be ingested for {request.request_id}, "
            f"a {request.source_type.value} request, which takes {expected.value} "
            "(rule: the file's kind must fit the source type)",
            path=str(path),
            rule="kind fits the source type",
        )
    language = summary.get("language")
    if language and language.split("-")[0].lower() != request.language.split("-")[0].lower():
        raise InvalidInput(
            f"{path.name}: declares language {language}, the request is for {request.language} "
            "(rule: the file's language must be the request's)",
            path=str(path),
            rule="language fits the request",
        )
    channels = next(
        (s.get("channels") for s in summary.get("streams", []) if s.get("codec_type") == "audio"), None
    )
    if request.audio_channels and channels and channels != request.audio_channels:
        raise InvalidInput(
            f"{path.name}: has {channels} audio channels, {request.request_id} asks for "
            f"{request.audio_channels} (rule: the channel count must be the request's)",
            path=str(path),
            rule="channel count fits the request",
        )


def ingest_file(
    database: Database,
    blobs: BlobStore,
    request_id: str,
    source: str,
    *,
    actor: str,
    progress: Callable[[int, int], None] | None = None,
) -> IngestResult:
    """Fetch, check, store and record ``source`` as the request's new version.

    ``progress(done, total)`` hears how much of the file is stored, as it goes (files of many
    gigabytes take minutes to copy into the store).
    """
    with database.session() as session:
        request = get_request(session, request_id)
    with fetch(source) as path:
        category, summary = classify(path)
        check_fit(path, request, category, summary)
        slot = slot_name(request.source_type)
        key = f"{request_id}/{slot}/{uuid.uuid4().hex}/{path.name}"
        stored = blobs.put_path(key, path, progress=_reporter(progress, path.stat().st_size))
    try:
        with database.session() as session:
            version_id, events = lifecycle.receive_version(
                session,
                request_id,
                asset_name=slot,
                category=category,
                stored=StoredFile(
                    file_name=path.name,
                    blob_key=key,
                    size=stored.size,
                    md5=stored.md5,
                    sha256=stored.sha256,
                    probe=summary,
                ),
                actor=actor,
            )
            label = get_version(session, version_id).label
    except BaseException:
        blobs.delete(key)
        raise
    return IngestResult(
        request_id=request_id,
        version_id=version_id,
        version_label=label,
        blob_key=key,
        file_name=path.name,
        size=stored.size,
        sha256=stored.sha256,
        category=category,
        probe=summary,
        events=events,
    )


def _reporter(progress: Callable[[int, int], None] | None, total: int) -> Callable[[int], None] | None:
    """Turn chunk sizes into running totals for ``progress``."""
    if progress is None:
        return None
    done = 0

    def report(nbytes: int) -> None:
        nonlocal done
        done += nbytes
        progress(done, total)

    return report


def materialize(blobs: BlobStore, key: str, directory: Path) -> Path:
    """Copy a stored object to ``directory`` under its own file name (for tools that need a path)."""
    target = directory / Path(key).name
    blobs.get_to_path(key, target)
    return target
