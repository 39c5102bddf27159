"""Read models for people: the asset table and a request's page, built from the store in few queries."""

from slate.catalog._request import QCFinding, QCSummary, RequestDetail, VersionView, request_detail
from slate.catalog._table import (
    PAGE_SIZE,
    STATE_COLOR,
    Chip,
    ChipState,
    PackageGroup,
    SortKey,
    TablePage,
    TableQuery,
    TableRow,
    asset_table,
)

__all__ = [
    "PAGE_SIZE",
    "STATE_COLOR",
    "Chip",
    "ChipState",
    "PackageGroup",
    "QCFinding",
    "QCSummary",
    "RequestDetail",
    "SortKey",
    "TablePage",
    "TableQuery",
    "TableRow",
    "VersionView",
    "asset_table",
    "request_detail",
]
