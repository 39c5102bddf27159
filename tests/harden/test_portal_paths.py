"""Ids from outside are path segments, never paths (issue 11, item 4)."""

from __future__ import annotations

import pytest

from slate.backlot import HttpPortalClient
from slate.errors import InvalidInput, PortalError
from tests.fixtures.portal import PortalServer


def test_an_id_with_slashes_stays_one_encoded_segment(
    portal: PortalServer, portal_client: HttpPortalClient
) -> None:
    for call in (
        lambda: portal_client.get_source_request("../../etc/passwd"),
        lambda: portal_client.list_deliveries("../../admin/reset"),
        lambda: portal_client.get_delivery("../../admin/config"),
    ):
        with pytest.raises(PortalError):
            call()
    calls = portal.stats()["calls"]
    assert not any(
        path.startswith(("GET /etc", "GET /admin/reset", "GET /admin/config")) for path in calls
    ), calls
    print(sorted(calls))


@pytest.mark.parametrize("bad", ["", ".", ".."])
def test_a_dot_segment_is_refused_before_any_call(
    portal: PortalServer, portal_client: HttpPortalClient, bad: str
) -> None:
    with pytest.raises(InvalidInput):
        portal_client.get_source_request(bad)
