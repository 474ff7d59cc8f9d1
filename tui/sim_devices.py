"""The demo's hands on simulated devices: place a demo person's card on the simulated reader
(or one that cannot be read), lift it, press a key on the simulated 评价器.

The card goes through the reader's real path (simulator → transport → session → watcher →
the app's card event), exactly as from a real reader. None of this exists with a real
device: ChuangkouApp.check_action asks `offered` first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tui.keys import SIM_ACTIONS, Action

#: How many demo persons the pick list offers (the register's first ones).
PERSONS = 8
#: What each action needs simulated.
DEVICE_OF = {"sim_place": "reader", "sim_lift": "reader", "sim_rate": "evaluator"}
FAULT_LINE = "读不出的证件（演示读卡失败）"


def offered(app: Any, action: str) -> bool:
    """Whether `action` (sim_place, sim_lift, sim_rate) exists now: its device simulated and
    someone logged in at an unlocked counter."""
    devices = app.devices
    kind = DEVICE_OF.get(action)
    if kind is None or devices is None or not hasattr(devices, "simulated"):
        return False
    return app.session is not None and not app.locked and devices.simulated(kind)


def offered_actions(app: Any) -> list[Action]:
    """The demo actions the palette and F1 show now."""
    return [a for a in SIM_ACTIONS if offered(app, a.action)]


def keys_hint(app: Any) -> str:
    """演示：Ctrl+K 放卡　Ctrl+L 取卡　Ctrl+R 评价器按键 (F9), or "" with real devices."""
    keymap = app._keymap
    parts = [
        f"{keymap.get(a.id, a.key).title()} {a.label}"
        for a in SIM_ACTIONS
        if app.devices is not None and app.devices.simulated(DEVICE_OF[a.action])
    ]
    return "演示：" + "　".join(parts) if parts else ""


# -- the cards -------------------------------------------------------------------------------
def demo_cards() -> list[Any]:
    """Resident ID cards of the demo register's first persons (all invented)."""
    from store.demo import demo_persons

    return [_card(p) for p in demo_persons(PERSONS)]


def _card(person: Any) -> Any:
    from devices.idcard.cards import ResidentIdCard
    from devices.idcard.samples import invented_bytes
    from devices.idcard.tables import ETHNICITIES

    ethnicity = person.ethnicity.removesuffix("族")
    code = next((c for c, name in ETHNICITIES.items() if name == ethnicity), 1)
    # Issued at 18 (or 16), valid twenty years: an ordinary adult's card.
    issued = dt.date(max(person.birth_date.year + 18, 2016), 3, 1)
    return ResidentIdCard(
        name=person.name,
        gender_code="1" if person.gender == "男" else "2",
        ethnicity_code=f"{code:02d}",
        birth_date=person.birth_date,
        address=person.address,
        id_number=person.id_number,
        issuing_authority="示例县公安局",
        valid_from=issued,
        valid_until=issued.replace(year=issued.year + 20),
        photo_wlt=invented_bytes(f"demo-photo-{person.id_number}", 1024),
    )


def card_line(card: Any) -> str:
    """A pick-list line, masked as every list of persons is."""
    from policies.masking import mask_id_number, mask_name

    return f"{mask_name(card.name)}　{card.gender}　{mask_id_number(card.id_number)}"


# -- the actions -----------------------------------------------------------------------------
def pick_card(app: Any) -> None:
    """放卡: a list of demo persons' cards (and one that cannot be read)."""
    from tui.screens.sim_pick import PickDialog

    if isinstance(app.screen, PickDialog):
        return
    cards = demo_cards()
    lines = [card_line(c) for c in cards] + [FAULT_LINE]

    def chosen(index: int | None) -> None:
        if index is None:
            return
        fault = index == len(cards)
        app.devices.place_card(cards[0] if fault else cards[index], read_fault=fault)

    app.push_screen(PickDialog("放卡：模拟读卡器（演示人员，均为虚构）", lines), chosen)


def lift_card(app: Any) -> None:
    """取卡."""
    app.devices.lift_card()
    app.notify("已从模拟读卡器上取走证件", title="演示", timeout=3)


def pick_rating(app: Any) -> None:
    """评价器按键: while the 评价器 waits, which key the applicant presses."""
    from policies.settings import RATING_LEVELS
    from tui.screens.sim_pick import PickDialog

    if isinstance(app.screen, PickDialog):
        return
    if not app.devices.evaluator_armed():
        app.notify("评价器未在等待评价：先请申请人评价（F7）", title="演示", severity="warning")
        return

    def chosen(index: int | None) -> None:
        if index is not None:
            app.devices.press_evaluator_key(index + 1)

    app.push_screen(PickDialog("模拟评价器：申请人按键", list(RATING_LEVELS)), chosen)
