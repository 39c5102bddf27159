"""Bulk download of portal materials (proxies, printmasters, templates, documents) across requests.

:func:`select_materials` turns a :class:`Selection` (request ids, or a show and season; types;
states) into planned files under ``DEST/ShowName_Season_EpisodeTitle/``; :func:`download_files`
fetches them (concurrent, paced, resumable, verified) and keeps ``manifest.json``/``manifest.csv``
true to the disk. :mod:`slate.downloads.proxy_sync` stores new proxies and attaches them to their
requests; :mod:`slate.downloads.rate` holds the bandwidth ladder shared with delivery.
"""

from slate.downloads._fetch import (
    DownloadReport,
    FileOutcome,
    Progress,
    download_files,
    fetch_file,
    part_path,
    rate_limiter,
)
from slate.downloads._manifest import (
    MANIFEST_CSV,
    MANIFEST_JSON,
    FileStatus,
    ManifestRow,
    read_manifest,
    write_manifest,
)
from slate.downloads._naming import assign_unique, episode_folder, safe_file_name, safe_name
from slate.downloads._selection import (
    PlannedFile,
    Selection,
    make_selection,
    parse_states,
    parse_types,
    select_materials,
    type_tokens,
)
from slate.downloads.rate import bytes_per_second, validate_rate_mbps

__all__ = [
    "MANIFEST_CSV",
    "MANIFEST_JSON",
    "DownloadReport",
    "FileOutcome",
    "FileStatus",
    "ManifestRow",
    "PlannedFile",
    "Progress",
    "Selection",
    "assign_unique",
    "bytes_per_second",
    "download_files",
    "episode_folder",
    "fetch_file",
    "make_selection",
    "parse_states",
    "parse_types",
    "part_path",
    "rate_limiter",
    "read_manifest",
    "safe_file_name",
    "safe_name",
    "select_materials",
    "type_tokens",
    "validate_rate_mbps",
    "write_manifest",
]
