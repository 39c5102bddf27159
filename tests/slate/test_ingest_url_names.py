"""An HTTP source must name a file: decoded names that are no file name are refused before any fetch."""

from __future__ import annotations

import pytest

from slate.errors import InvalidInput
from slate.ingest import fetch


@pytest.mark.parametrize("path", ["/a/%2E%2E", "/a/ep%00.xml", "/a/x%5C..%5Cy", "/"])
def test_a_url_naming_no_file_is_refused_naming_the_url(path: str) -> None:
    url = f"http://127.0.0.1:9/{path.lstrip('/')}"  # port 9: nothing may be fetched from it
    with pytest.raises(InvalidInput) as refused, fetch(url):
        pass
    assert refused.value.data["url"] == url and "file name" in str(refused.value)
