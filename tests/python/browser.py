"""Headless Chromium for the browser tests: Debian's `chromium` (installed by `make browser`),
driven by Playwright for Python with `executable_path`; Playwright never downloads a browser.

    with chromium_page() as (page, errors):
        page.goto(url)
        ...
        assert not errors

`errors` collects uncaught page errors (`pageerror`) and console errors. The flags keep Chromium
from reaching for the network this machine does not have (background networking, component
updates, sync) and let it run as root in a container.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".build" / "screenshots"


def chromium_path() -> str:
    """Debian's chromium; a clear failure (not a skip) when it is missing: `make test` installs
    it through `make browser`."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium is not installed: run `make browser` (apt-get install chromium)")
    return found


@contextmanager
def chromium_page(width: int = 1400, height: int = 1000) -> Iterator[tuple[object, list[str]]]:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
            page.on(
                "console",
                lambda message: (
                    errors.append(f"console: {message.text}") if message.type == "error" else None
                ),
            )
            yield page, errors
        finally:
            browser.close()


def screenshot_path(name: str) -> Path:
    """Where a test saves a screenshot a person can check (.build/screenshots/<name>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


@contextmanager
def streamlit_app(app: Path, warehouse: Path, log: Path, timeout: float = 60) -> Iterator[str]:
    """`streamlit run app` headless on a free loopback port over the warehouse `warehouse`
    (PERSONA_DB); yields its URL once its health check answers, and stops it afterwards."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    streamlit = str(Path(sys.executable).with_name("streamlit"))
    env = dict(os.environ, PERSONA_DB=str(warehouse))
    with log.open("w") as out:
        server = subprocess.Popen(
            [streamlit, "run", str(app), "--server.headless", "true", "--server.port", str(port)]
            + ["--browser.gatherUsageStats", "false"],
            cwd=app.parents[1],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"streamlit did not answer within {timeout} s"
                time.sleep(0.5)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
