"""Driving the real app in tests: wait for its store work, read what the screen shows."""

from __future__ import annotations

import asyncio
import re


async def settle(pilot, rounds: int = 4) -> None:
    """Let every worker but the device listener finish, and the screen catch up."""
    app = pilot.app
    for _ in range(rounds):
        pending = [w for w in app.workers if w.group != "devices" and not w.is_finished]
        if pending:
            await asyncio.gather(*(w.wait() for w in pending), return_exceptions=True)
        await pilot.pause()


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
