"""The command palette (Ctrl+P): the same actions as the keys, in Chinese, plus themes.
It replaces Textual's system commands, which include saving a screenshot to disk."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.keys import ACTIONS

NO_MATCH = "没有匹配的功能"


def _nothing() -> None:
    """Choosing 没有匹配的功能 does nothing (the palette just closes)."""


class ChuangkouCommands(Provider):
    def _commands(self) -> list[tuple[str, str, object]]:
        app = self.app
        commands: list[tuple[str, str, object]] = [
            (a.label, a.help, partial(app.run_action, a.action))
            for a in ACTIONS
            if a.action != "command_palette"
        ]
        from tui.sim_devices import offered_actions

        # The demo's hands on simulated devices (放卡, 取卡, 评价器按键): never on real ones.
        commands += [
            (a.label, a.help, partial(app.run_action, a.action)) for a in offered_actions(app)
        ]
        # 信访 has no F-key of its own (X on the clerk's home screen).
        commands.append(
            ("信访", "信访登记、交办与答复（X）", partial(app.run_action, "open('petition')"))
        )
        from themes import THEME_LABELS

        for name, label in THEME_LABELS.items():
            commands.append(
                (f"主题：{label}", "切换界面主题", partial(setattr, app, "theme", name))
            )
        return commands

    async def discover(self) -> Hits:
        for label, help_text, callback in self._commands():
            yield DiscoveryHit(label, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        found = False
        for label, help_text, callback in self._commands():
            score = max(matcher.match(label), matcher.match(help_text))
            if score > 0:
                found = True
                yield Hit(score, matcher.highlight(label), callback, help=help_text)
        if not found:  # instead of Textual's English "No matches found"
            yield Hit(1, NO_MATCH, _nothing, help="换个关键词，或按 Esc 返回")
