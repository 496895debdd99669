"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, and a review gateway."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.support import start_review_gateway

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("MEDCODER_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium():
    exe = chromium_path()
    if exe is None:
        pytest.skip("no chromium binary (/usr/bin/chromium, MEDCODER_CHROMIUM); "
                    "install it with: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def review_gateway(tmp_path_factory, cache_dir):
    rg = start_review_gateway(tmp_path_factory.mktemp("review-browser"), cache_dir)
    yield rg
    rg.gateway.stop()
