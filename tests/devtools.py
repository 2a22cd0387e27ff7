"""A headless Chromium driven over the Chrome DevTools Protocol, for the browser tests.

No WebDriver and no Python package: Chromium speaks the protocol on a pipe
(`--remote-debugging-pipe`: it reads commands from file descriptor 3 and writes answers to 4,
each a JSON message ended by a NUL byte). Clicks and typing are sent as real input events
(Input.dispatchMouseEvent, Input.insertText), as a person's would be.

The browser may reach 127.0.0.1 only: every other host name resolves to nothing
(`--host-resolver-rules`), and the flags turn off Chromium's own background traffic.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BINARIES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",  # the tests may run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=1280,1600",
    "--remote-debugging-pipe",
)


_ONTO_3_AND_4 = """
import os, sys
read, write = int(sys.argv[1]), int(sys.argv[2])
os.dup2(read, 3)
os.dup2(write, 4)
os.close(read)
os.close(write)
os.execv(sys.argv[3], sys.argv[3:])
"""


class DevToolsError(RuntimeError):
    """The browser answered a command with an error, or did not answer in time."""


def find_chromium() -> str | None:
    return next((path for name in BINARIES if (path := shutil.which(name))), None)


class Browser:
    """One headless Chromium with one page. Use as a context manager: the browser and its
    profile are removed on exit."""

    def __init__(self, binary: str, timeout: float = 30) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="triage-chromium-")
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()
        # A small Python trampoline puts the pipe ends on descriptors 3 and 4 and starts
        # Chromium (not preexec_fn: the tests run a web server thread, and a shell's
        # redirections cannot name the descriptors above 9 that pytest leaves free). The ends
        # are first moved to 10 or above, so that they are not 3 or 4.
        read, write = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_read, answers_write))
        for fd in (commands_read, answers_write):
            os.close(fd)
        command = [binary, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"]
        self._process = subprocess.Popen(
            [sys.executable, "-c", _ONTO_3_AND_4, str(read), str(write), *command],
            pass_fds=(read, write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(read)
        os.close(write)
        self._buffer = b""
        self._next_id = 0
        self._session: str | None = None

    def __enter__(self) -> Browser:
        try:
            target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            attached = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        except BaseException:
            self.__exit__()  # the browser did not start: stop it and remove its profile
            raise
        self._session = attached["sessionId"]
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(DevToolsError, OSError):  # it may be gone already
            self.send("Browser.close", timeout=5)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._commands)
        os.close(self._answers)
        shutil.rmtree(self._profile, ignore_errors=True)

    # ---- the protocol ----------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 0) -> Any:
        """Send one command (to the page, once attached) and return its result."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self._session and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self._session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            answer = self._answer_to(self._next_id)
            if answer is not None:
                if "error" in answer:
                    raise DevToolsError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self._read(deadline, method)

    def _answer_to(self, number: int) -> dict[str, Any] | None:
        while b"\0" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\0", 1)
            message = json.loads(raw)
            if message.get("id") == number:
                return dict(message)
            # Events and late answers are not needed by these tests.
        return None

    def _read(self, deadline: float, method: str) -> None:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([self._answers], [], [], max(left, 0))
        if not ready:
            raise DevToolsError(f"{method}: no answer from the browser in time")
        chunk = os.read(self._answers, 1 << 16)
        if not chunk:
            raise DevToolsError(f"{method}: the browser closed")
        self._buffer += chunk

    # ---- what a test does with a page ------------------------------------------------------

    def open(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises are awaited)."""
        answer = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise DevToolsError(f"JavaScript failed: {text}")
        return answer["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 0) -> Any:
        """Wait until a JavaScript expression is truthy, and return its value."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise DevToolsError(f"timed out waiting for: {expression}")
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        """Click the middle of the element that a CSS selector finds, as a mouse would."""
        box = self.wait_for(
            f"""(() => {{
                const element = document.querySelector({json.dumps(selector)});
                if (!element) return null;
                element.scrollIntoView({{block: "center"}});
                const box = element.getBoundingClientRect();
                return box.width && box.height ? [box.x + box.width / 2, box.y + box.height / 2]
                                               : null;
            }})()"""
        )
        x, y = box
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            event = {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}
            if kind == "mouseMoved":
                event["button"] = "none"
            self.send("Input.dispatchMouseEvent", event)

    def type_text(self, text: str) -> None:
        """Type into the element that has the focus."""
        self.send("Input.insertText", {"text": text})

    def press(self, key: str, code: str, key_code: int) -> None:
        for kind in ("keyDown", "keyUp"):
            self.send(
                "Input.dispatchKeyEvent",
                {"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": key_code},
            )

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(data["data"]))
