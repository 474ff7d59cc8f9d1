"""The counter's themes (主题): Textual Theme objects, chosen in the station file and
switchable from the command palette.

- ``chuangkou``: the default, government blue on a dark ground;
- ``chuangkou-contrast``: high contrast for weak eyes and cheap screens;
- ``chuangkou-console``: the bare Linux console — ANSI colours only (no truecolor) and, with
  the app's ``-console`` class, ASCII-safe borders.
"""

from __future__ import annotations

from textual.theme import Theme

DEFAULT = Theme(
    name="chuangkou",
    primary="#1E5AA8",  # 政务蓝
    secondary="#3B7DD8",
    accent="#F0B429",
    warning="#E8A33D",
    error="#E5484D",
    success="#3DA35D",
    foreground="#E6EDF7",
    background="#0E1A2B",
    surface="#15253B",
    panel="#1B2F4B",
    dark=True,
)

HIGH_CONTRAST = Theme(
    name="chuangkou-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFFFF",
    warning="#FFA500",
    error="#FF3030",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    dark=True,
    luminosity_spread=0.0,
    text_alpha=1.0,
    variables={"block-cursor-foreground": "#000000", "block-cursor-background": "#FFFF00"},
)

CONSOLE = Theme(
    name="chuangkou-console",
    ansi=True,
    primary="ansi_blue",
    secondary="ansi_cyan",
    accent="ansi_yellow",
    warning="ansi_yellow",
    error="ansi_red",
    success="ansi_green",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_default",
    boost="ansi_default",
    dark=True,
    variables={
        # Textual's own widgets ask for these under an ANSI theme.
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "input-cursor-background": "ansi_white",
        "input-cursor-foreground": "ansi_black",
        "input-cursor-text-style": "none",
        "input-selection-foreground": "ansi_black",
        "screen-selection-background": "ansi_blue",
        "screen-selection-foreground": "ansi_black",
        "block-cursor-foreground": "ansi_black",
        "block-cursor-background": "ansi_white",
        "block-cursor-text-style": "bold",
        "footer-key-foreground": "ansi_yellow",
        "input-selection-background": "ansi_blue",
        "border": "ansi_white",
        "border-blurred": "ansi_bright_black",
        "scrollbar": "ansi_bright_black",
        "scrollbar-hover": "ansi_white",
        "scrollbar-active": "ansi_white",
        "scrollbar-background": "ansi_default",
        "scrollbar-corner-color": "ansi_default",
    },
)

THEMES: dict[str, Theme] = {t.name: t for t in (DEFAULT, HIGH_CONTRAST, CONSOLE)}
THEME_LABELS = {
    DEFAULT.name: "默认（政务蓝）",
    HIGH_CONTRAST.name: "高对比",
    CONSOLE.name: "控制台（无真彩色）",
}
#: Station files may name themes briefly.
ALIASES = {"default": DEFAULT.name, "contrast": HIGH_CONTRAST.name, "console": CONSOLE.name}


def console_glyphs(console: bool) -> None:
    """Under the console theme a checkbox is drawn ``[X]`` when ticked and ``[ ]`` when not
    (the console font has no half blocks ▐▌, and a monochrome screen cannot tell Textual's
    coloured X apart); otherwise as Textual draws it. Textual takes these glyphs from class
    attributes, not from CSS; one app runs per process, so setting them follows the theme."""
    from textual.widgets._toggle_button import ToggleButton

    if console:
        ToggleButton.BUTTON_LEFT, ToggleButton.BUTTON_RIGHT = "[", "]"
        ToggleButton.BUTTON_INNER = property(lambda button: "X" if button.value else " ")
    else:
        ToggleButton.BUTTON_LEFT, ToggleButton.BUTTON_RIGHT = "▐", "▌"
        ToggleButton.BUTTON_INNER = "X"


def resolve(name: str | None) -> str:
    """The theme name for a station file's value (unknown names fall back to the default)."""
    if not name:
        return DEFAULT.name
    name = ALIASES.get(name, name)
    return name if name in THEMES else DEFAULT.name
