"""Driving the real app in tests: wait for its store work, read what the screen shows."""

from __future__ import annotations

import asyncio
import re


async def settle(pilot, rounds: int = 4) -> None:
    """Let every worker but the device listener finish, and the screen catch up: at least
    `rounds` rounds, and more while work is still pending (a loaded CI machine can start a
    store call a round later than a quiet one)."""
    app = pilot.app
    quiet = 0
    for done in range(rounds + 40):
        pending = [w for w in app.workers if w.group != "devices" and not w.is_finished]
        if pending:
            quiet = 0
            await asyncio.gather(*(w.wait() for w in pending), return_exceptions=True)
        else:
            quiet += 1
        await pilot.pause()
        if done + 1 >= rounds and quiet >= 2:
            return


async def wait_for_text(pilot, text: str, rounds: int = 40) -> str:
    """The screen's text once it shows `text` (or after `rounds` settles: the caller's
    assertion then says what was missing)."""
    shown = screen_text(pilot.app)
    for _ in range(rounds):
        if text in shown:
            break
        await settle(pilot, rounds=1)
        shown = screen_text(pilot.app)
    return shown


async def type_text(pilot, text: str) -> None:
    """Type as a clerk would, one key per character."""
    await pilot.press(*text)


def screen_text(app) -> str:
    """What the terminal shows, line by line (from the in-memory SVG; nothing on disk)."""
    svg = app.export_screenshot()
    body = svg.split("</style>", 1)[-1]
    lines: dict[float, list[str]] = {}
    for y, text in re.findall(r'<text[^>]*\by="([0-9.]+)"[^>]*>(.*?)</text>', body):
        lines.setdefault(float(y), []).append(text)
    out = ["".join(parts) for _, parts in sorted(lines.items())]
    return (
        "\n".join(out)
        .replace("&#160;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )
