"""The workspace in a real browser: Debian's Chromium, headless, driven by Selenium through chromedriver.

Screenshots of the table and a request page go to ``SLATE_TEST_SCREENSHOTS`` when it is set (else
the test's own folder), so a reviewer can look at what the test saw.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from slate.people import ShareSubject, create_share
from tests.workspace._season import PASSWORD

#: The chip colours of workspace.css, as the browser computes them.
RGB = {
    "LIGHT_BLUE": "rgb(143, 211, 255)",
    "RED": "rgb(217, 48, 37)",
    "GRAY": "rgb(200, 203, 208)",
}

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@pytest.fixture
def screens(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SLATE_TEST_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _wait(driver: webdriver.Chrome, test: Any, timeout: float = 30) -> Any:
    return WebDriverWait(driver, timeout).until(test)


def _log_in(driver: webdriver.Chrome, base: str, name: str) -> None:
    driver.get(f"{base}/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login").click()
    _wait(driver, lambda d: d.find_elements(By.ID, "logout"))


def _chips(driver: webdriver.Chrome) -> dict[str, str]:
    return {
        c.get_attribute("data-request"): c.get_attribute("data-color")
        for c in driver.find_elements(By.CSS_SELECTOR, "#table a.chip")
    }


def test_an_operator_sees_the_season_in_colour_filters_searches_and_uploads(
    browser: webdriver.Chrome, workspace_url: str, screens: Path, tmp_path: Path
) -> None:
    _log_in(browser, workspace_url, "otto")
    chips = _chips(browser)
    assert len(chips) == 10
    for rid, color in (("SR-101", "LIGHT_BLUE"), ("SR-102", "RED"), ("SR-105", "GRAY")):
        chip = browser.find_element(By.CSS_SELECTOR, f'a.chip[data-request="{rid}"]')
        assert chip.value_of_css_property("background-color") in (
            RGB[color],
            RGB[color].replace("rgb", "rgba")[:-1] + ", 1)",
        )
    assert browser.find_element(By.CSS_SELECTOR, ".flag.late").is_displayed()
    browser.save_screenshot(str(screens / "workspace-table.png"))

    Select(browser.find_element(By.ID, "filter-audio")).select_by_value("rejected")
    _wait(browser, lambda d: "audio=rejected" in d.current_url and len(_chips(d)) == 5)
    assert set(_chips(browser)) == {f"SR-10{n}" for n in range(1, 6)}
    Select(browser.find_element(By.ID, "filter-audio")).select_by_value("")
    box = browser.find_element(By.ID, "q")
    box.send_keys("sr-203", Keys.ENTER)
    _wait(browser, lambda d: "q=sr-203" in d.current_url and set(_chips(d)) == {"SR-203"})

    browser.get(f"{workspace_url}/?q=SR-104")
    browser.find_element(By.CSS_SELECTOR, 'a.chip[data-request="SR-104"]').click()
    _wait(browser, lambda d: d.find_elements(By.ID, "request-id"))
    assert "subtitle_es.srt v2" in browser.page_source and "DARK_BLUE" in browser.page_source
    browser.save_screenshot(str(screens / "workspace-request.png"))

    srt = tmp_path / "ep2_es.srt"
    srt.write_bytes(b"1\n00:00:01,000 --> 00:00:02,000\nHola\n")
    browser.get(f"{workspace_url}/requests/SR-204")
    browser.find_element(By.ID, "upload-file").send_keys(str(srt))
    browser.find_element(By.ID, "upload").click()
    _wait(browser, lambda d: "ep2_es.srt v1" in d.page_source)
    assert browser.find_element(By.ID, "material-status").text == "RECEIVED"


def test_a_request_shared_with_a_freelancer_is_all_they_see_until_it_expires(
    browser: webdriver.Chrome, workspace_url: str, app_parts: Any
) -> None:
    db = app_parts[0]
    _log_in(browser, workspace_url, "otto")
    browser.get(f"{workspace_url}/requests/SR-101")
    browser.find_element(By.ID, "share-grantee").send_keys("fay")
    browser.find_element(By.ID, "share-download").click()
    browser.find_element(By.ID, "share").click()
    _wait(browser, lambda d: "shared with fay" in d.page_source)
    browser.find_element(By.ID, "logout").click()
    _wait(browser, lambda d: d.find_elements(By.ID, "login"))

    _log_in(browser, workspace_url, "fay")
    assert _chips(browser) == {"SR-101": "LIGHT_BLUE"}
    browser.get(f"{workspace_url}/requests/SR-102")
    assert "Not found." in browser.page_source
    with db.session() as session:
        create_share(
            session,
            ShareSubject.REQUEST,
            "SR-203",
            grantee="fay",
            created_by="otto",
            expires_at=datetime.now(UTC) + timedelta(seconds=2),
        )
    browser.get(workspace_url)
    assert set(_chips(browser)) == {"SR-101", "SR-203"}
    time.sleep(2.5)
    browser.get(f"{workspace_url}/requests/SR-203")
    assert "Not found." in browser.page_source
    browser.get(workspace_url)
    assert set(_chips(browser)) == {"SR-101"}
