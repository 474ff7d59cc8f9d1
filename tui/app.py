"""The counter application (窗口): a keyboard-only Textual app over the register.

It never touches Peewee models: screens call store operations on the store thread
(tui.gateway) from thread workers, which post messages back (tui.store_calls,
tui.messages). The app does the same for its own store work (the register, the daily
job): what a worker learns reaches the app as a message, handled on the UI thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui.commands import ChuangkouCommands
from tui.gateway import StoreGateway
from tui.keys import app_bindings, keymap_from_station
from tui.messages import (
    DailyJobDone,
    DailyJobFailed,
    DailyJobProgress,
    DeviceEventArrived,
    RegisterFailed,
    RegisterMissing,
    RegisterOpened,
    ServerBack,
    ServerLost,
    ServerProbeFailed,
)
from tui.safe_text import install_in_renderers, install_lenient_input
from tui.screens.base import CounterHooks
from tui.store_calls import StoreCalls

#: The daily job lets the clerk go first (see _run_daily_job): it waits while a key was
#: pressed less than INPUT_QUIET seconds ago, at most INPUT_YIELD_LIMIT seconds a batch.
INPUT_QUIET = 0.3
INPUT_YIELD_LIMIT = 2.0

log = logging.getLogger("chuangkou.tui")

#: Screens behind the F-keys, by name; each is built on demand.
SCREEN_FACTORIES: dict[str, str] = {
    "home": "tui.screens.home:HomeScreen",
    "search": "tui.screens.search:SearchScreen",
    "inquiry": "tui.screens.inquiry:InquiryScreen",
    "handover": "tui.screens.handover:HandoverScreen",
    "complaint": "tui.screens.complaint:ComplaintScreen",
    "rating": "tui.screens.rating:RatingScreen",
    "report": "tui.screens.report:ReportScreen",
    "devices": "tui.screens.devices:DevicesScreen",
    "petition": "tui.screens.petition:PetitionScreen",  # 信访: X on the home screen, palette
}


def _load(path: str) -> type[Screen]:
    import importlib

    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


class ChuangkouApp(StoreCalls, App[int], inherit_bindings=False):
    """窗口 — the counter application."""

    TITLE = "窗口"
    CSS_PATH = Path(__file__).with_name("chuangkou.tcss")
    BINDINGS = app_bindings()
    COMMANDS = {ChuangkouCommands}  # noqa: RUF012 - Textual's class variable

    def __init__(
        self,
        *,
        station: Any,
        register_url: str | None = None,
        devices: Any = None,
        clock: Any = None,
        demo: Any = None,
        idle_clock: Callable[[], float] = time.monotonic,
        poll_devices: bool = True,
        daily_job: bool = True,
    ) -> None:
        install_in_renderers()  # nothing read from the register drives the terminal
        install_lenient_input()  # nor does a byte from the terminal that is not UTF-8
        super().__init__()
        self.station = station
        self.register_url = register_url
        self.devices = devices
        self.clock = clock
        self.demo = demo
        self.store = StoreGateway()
        #: Reports run here, off the counter's store thread (tui.gateway).
        self.reports = StoreGateway("chuangkou-reports")
        #: The daily job runs here, batch after batch, off the counter's store thread.
        self.daily = StoreGateway("chuangkou-daily")
        #: The status line's 「每日任务：未评价登记 n/N」 while the daily job runs ("" otherwise).
        self.daily_progress = ""
        #: Seconds the daily job has waited between its batches for the clerk at the keys.
        self.daily_yielded = 0.0
        self.register: Any = None
        self.hall_name = ""
        self.session: Any = None
        self.staff_name = ""
        self.today_post: Any = None
        self.windows: list[tuple[str, str]] | None = None
        #: (window code, CounterQueue) loaded while the post was being confirmed.
        self.prefetched_queue: tuple[str | None, Any] | None = None
        #: ("case" | "inquiry", number) of the service last finished here (办结 / 当场答复):
        #: F7 offers it for rating.
        self.last_service: tuple[str, str] | None = None
        self.locked = False
        self.device_states: dict[str, str] = {}
        self._idle_clock = idle_clock
        #: After a login, run the register's daily job if no counter has yet today.
        self._daily_job = daily_job
        # False: the devices' own threads are not started; whoever made the manager polls it
        # (tests drive the simulators step by step).
        self.poll_devices = poll_devices
        self._last_input = idle_clock()
        self._last_key_at = 0.0
        #: The register's server is away (store.errors.ServerUnavailable): the status line
        #: says 服务器连接中断 and a probe runs every `server_probe_seconds` until it answers.
        self.server_lost = False
        self.server_probe_seconds = SERVER_PROBE_SECONDS
        self._probe_pending = False

    # -- start and stop ----------------------------------------------------------------------
    def on_mount(self) -> None:
        from themes import THEMES, resolve

        for theme in THEMES.values():
            self.register_theme(theme)
        self.theme = resolve(self.station.theme)
        try:
            self.set_keymap(keymap_from_station(dict(self.station.keymap)))
        except ValueError as exc:
            self.notify(str(exc), severity="error", timeout=10)
        from tui.screens.login import LoginScreen

        self.push_screen(LoginScreen())
        # Database and devices start once the login screen has been drawn: their imports
        # (peewee, cryptography, pyusb) would otherwise hold the GIL during the first paint.
        self.call_after_refresh(self._start_background)
        self.set_interval(5, self.lock_if_idle)

    def _start_background(self) -> None:
        self._open_register()
        if self.devices is not None:
            self._listen_to_devices()

    def watch_theme(self, theme: str) -> None:
        # The bare console: ASCII borders (the theme itself keeps to ANSI colours).
        from themes import console_glyphs

        self.set_class(theme == "chuangkou-console", "-console")
        console_glyphs(theme == "chuangkou-console")

    def _open_register(self, what: str = "register") -> None:
        self.call_store(
            _open_register,
            self.register_url,
            self.clock,
            self.station.station_id,
            done=_register_outcome,
            failed=RegisterFailed,
            what=what,
        )

    @on(RegisterOpened)
    def _register_ready(self, message: RegisterOpened) -> None:
        if self.server_lost:  # a station that started before its server: it is there now
            self._probe_pending = self.server_lost = False
            self.refresh_status()
        self.register = message.register
        self.windows = message.windows
        self.sub_title = message.hall_name
        self.hall_name = message.hall_name
        for screen in self.screen_stack:
            if isinstance(screen, CounterHooks):
                screen.register_ready()

    @on(RegisterMissing)
    def _first_run(self) -> None:
        from tui.screens.first_run import FirstRunScreen

        self.switch_screen(FirstRunScreen())

    @on(RegisterFailed)
    def _register_failed(self, message: RegisterFailed) -> None:
        if message.what == SERVER_PROBE:
            self._probe_failed()
            return
        self.notify(message.message, severity="error", timeout=30)

    def on_case_read(self, message) -> None:
        """A case read by tui.screens.case.open_case, from whichever screen asked: shown."""
        from tui.screens.case import CaseScreen

        self.push_screen(CaseScreen(message.detail.number, message.detail))

    def on_unmount(self) -> None:
        if self.devices is not None:
            self.devices.stop()
        self.reports.close()
        self.daily.close()
        self.store.close()

    # -- devices -----------------------------------------------------------------------------
    @work(thread=True, group="devices", exit_on_error=False)
    def _listen_to_devices(self) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        if self.poll_devices:
            self.devices.start()
        while not worker.is_cancelled:
            event = self.devices.get(timeout=0.25)
            if event is not None:
                self.post_message(DeviceEventArrived(event))

    @on(DeviceEventArrived)
    def _device_event(self, message: DeviceEventArrived) -> None:
        from devices.events import (
            CardError,
            CardRead,
            DeviceFound,
            DeviceLost,
            RatingCancelled,
            RatingGiven,
            RatingTimeout,
        )

        event = message.event
        if isinstance(event, DeviceFound):
            self.device_states[event.device] = "在线"
        elif isinstance(event, DeviceLost):
            self.device_states[event.device] = "离线"
        self.refresh_status()
        if self.session is None or self.locked:
            return
        screen = self.screen
        hooks = screen if isinstance(screen, CounterHooks) else None
        if isinstance(event, CardRead):
            if hooks is not None:
                hooks.card_read(event.card)
        elif isinstance(event, CardError):
            # Garbage from the reader after its retries: nothing was read, nothing is filled.
            self.notify(event.message, title="读卡器", severity="warning", timeout=8)
        # The outcome of an arming (a lost 评价器 ends one too): the rating screen matches it
        # against its own arming and ignores the rest.
        if (
            isinstance(event, RatingGiven | RatingTimeout | RatingCancelled | DeviceLost)
            and hooks is not None
        ):
            hooks.rating_event(event)

    def refresh_status(self) -> None:
        for bar in self.screen.query("StatusBar"):
            bar.refresh_status()

    # -- actions -----------------------------------------------------------------------------
    def action_open(self, name: str) -> None:
        if self.session is None or self.locked:
            self.bell()
            return
        home = self._home_screen_class()

        # A screen with unsaved input asks first (the second press goes on).
        screen = self.screen
        if isinstance(screen, CounterHooks) and not screen.may_leave("再按一次该键"):
            return
        # Back to the home screen first (the board, for a supervisor): F-key screens never
        # pile up.
        while len(self.screen_stack) > 2 and not isinstance(self.screen, home):
            self.pop_screen()
        if name == "home":
            if isinstance(self.screen, home):
                self.screen.reload()
            return
        self.push_screen(_load(SCREEN_FACTORIES[name])())

    def _home_screen_class(self) -> type[Screen]:
        """The screen F4 and a login land on: the board for a supervisor (the hall's queue
        one key from it), the window's queue for everyone else."""
        from tui.screens.base import is_supervisor

        if is_supervisor(self.session):
            from tui.screens.board import BoardScreen

            return BoardScreen
        from tui.screens.home import HomeScreen

        return HomeScreen

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_lock(self) -> None:
        """锁屏: every screen with personal data is dropped before the lock screen shows; a
        half-typed form is sealed in memory first, held by the lock (tui.held_forms)."""
        if self.session is None or self.locked:
            return
        from tui.held_forms import hold_forms
        from tui.screens.lock import LockScreen

        self.locked = True
        held = hold_forms(self.screen_stack[1:])
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(LockScreen(held))

    def logged_in(self, session: Any, staff_name: str) -> None:
        """Called by the login and lock screens once a session is unlocked: a clerk lands on
        the window's queue, a supervisor on the board (大厅看板)."""
        self.session = session
        self.staff_name = staff_name
        self.locked = False
        self._last_input = self._idle_clock()
        # One transition straight to the home screen: popping first would draw what is
        # underneath for nothing.
        while len(self.screen_stack) > 2:
            self.pop_screen()
        home = self._home_screen_class()
        if len(self.screen_stack) == 2:
            self.switch_screen(home())
        else:
            self.push_screen(home())
        if self._daily_job:
            self._run_daily_job(session)

    def _run_daily_job(self, session: Any) -> None:
        """未评价 recorded, 容缺 overdue proposed for 退件 (store.daily): the first login of
        the day does it, in the background: batch after batch on a gateway of its own, so
        the counter's searches and keys never wait behind it; the status line shows how far
        it is (post_message is safe from the job's thread)."""

        def progress(done: int, total: int) -> None:
            self.post_message(DailyJobProgress(done, total))

        def between_batches() -> None:
            # The counter's call that waited on the database during the batch goes first.
            self.store.wait_idle(timeout=2.0)
            # So does the clerk at the keys: a batch's Python work shares the interpreter
            # with the screen being drawn, which it would slow by half. The job waits while
            # a key was pressed in the last moment — a screen is drawn by then — but never
            # more than a while per batch, so it still ends while a clerk types all along.
            started = time.monotonic()
            limit = started + INPUT_YIELD_LIMIT
            while time.monotonic() - self._last_key_at < INPUT_QUIET and time.monotonic() < limit:
                time.sleep(0.02)
            self.daily_yielded += time.monotonic() - started

        self.call_store(
            _daily_job,
            session,
            progress,
            between_batches,
            done=DailyJobDone,
            failed=DailyJobFailed,
            what="daily",
            gateway="daily",
        )

    @on(DailyJobProgress)
    def _daily_job_progress(self, message: DailyJobProgress) -> None:
        self.daily_progress = (
            f"每日任务：未评价登记 {message.done}/{message.total}" if message.total else ""
        )
        self.refresh_status()

    @on(DailyJobDone)
    def _daily_job_done(self, message: DailyJobDone) -> None:
        self.daily_progress = ""
        self.refresh_status()
        result = message.result
        if result is not None and result.tolerance_proposed:
            count = len(result.tolerance_proposed)
            self.notify(
                f"{count} 件容缺受理的办件逾期未补齐材料，已建议退件（在办件中按 W 确认）",
                timeout=10,
            )

    @on(DailyJobFailed)
    def _daily_job_failed(self, message: DailyJobFailed) -> None:
        self.daily_progress = ""
        self.refresh_status()
        error = message.error.__name__ if message.error is not None else ""
        log.warning("daily job failed: %s", error)

    # -- the register's server away and back ----------------------------------------------
    @on(ServerLost)
    def _server_lost(self) -> None:
        """Said once on the status line (each screen says it too, and keeps its form); then
        a probe every few seconds until the server answers. Writes are not sent again by
        themselves: the clerk saves again once told the server is back."""
        if self.server_lost:
            return
        self.server_lost = True
        self.refresh_status()
        self._schedule_probe()

    def _schedule_probe(self) -> None:
        if self.server_lost and not self._probe_pending:
            self._probe_pending = True
            self.set_timer(self.server_probe_seconds, self._probe_server)

    def _probe_server(self) -> None:
        if self.register is None:  # the register was never opened: opening it is the probe
            self._open_register(SERVER_PROBE)
            return
        from store.database import ping

        self.call_store(ping, done=ServerBack, failed=ServerProbeFailed, what=SERVER_PROBE)

    @on(ServerProbeFailed)
    def _probe_failed(self) -> None:
        self._probe_pending = False
        self._schedule_probe()

    @on(ServerBack)
    def _server_back(self) -> None:
        self._probe_pending = False
        if not self.server_lost:
            return
        self.server_lost = False
        self.refresh_status()
        self.notify(SERVER_BACK, timeout=10)
        if self.session is not None:  # what happened meanwhile (an unlock) goes on record
            from store.session import write_deferred

            self.call_store(
                write_deferred,
                self.session,
                done=ServerBack,
                failed=ServerProbeFailed,
                what="audit-deferred",
            )

    # -- idle lock ---------------------------------------------------------------------------
    def on_event(self, event):  # type: ignore[override]
        from textual import events

        if isinstance(event, events.Key | events.MouseDown):
            self._last_input = self._idle_clock()
            self._last_key_at = time.monotonic()  # the daily job's yield (not the lock's clock)
        return super().on_event(event)

    def keys_within(self, seconds: float) -> bool:
        """A key was pressed (or the mouse clicked) less than `seconds` ago."""
        return time.monotonic() - self._last_key_at < seconds

    def lock_if_idle(self) -> None:
        if self.session is None or self.locked or self.register is None:
            return
        limit = self.register.policy.login.idle_lock_seconds
        if self._idle_clock() - self._last_input >= limit:
            self.action_lock()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action.startswith("sim_"):  # the demo's keys: only on simulated devices
            from tui.sim_devices import offered

            return offered(self, action)
        # A screen that prints (告知书: Ctrl+P 打印) keeps the palette's key for itself.
        screen = self.screen
        if (
            action == "command_palette"
            and isinstance(screen, CounterHooks)
            and screen.KEEPS_PALETTE_KEY
        ):
            return False
        return super().check_action(action, parameters)

    def action_command_palette(self) -> None:
        """命令面板, with its prompt in Chinese."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                CommandPalette(
                    placeholder="输入功能或主题名称（如 首问、评价、主题）…", id="--command-palette"
                )
            )

    # -- the demo's hands on simulated devices (tui.sim_devices) -------------------------------
    def action_sim_place(self) -> None:
        from tui.sim_devices import pick_card

        pick_card(self)

    def action_sim_lift(self) -> None:
        from tui.sim_devices import lift_card

        lift_card(self)

    def action_sim_rate(self) -> None:
        from tui.sim_devices import pick_rating

        pick_rating(self)

    def get_key_display(self, binding: Binding) -> str:
        """Keys in the footer as in F1 and every hint (tui.keys.key_name: Ctrl+S, 回车, N)."""
        from tui.keys import key_name

        return binding.key_display or key_name(binding.key)

    # -- nothing writes the screen to disk ---------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        return ()

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.notify("本系统不允许截屏保存（屏幕上可能有个人信息）", severity="warning")

    def deliver_screenshot(self, *args: Any, **kwargs: Any) -> None:
        self.action_screenshot()

    def save_screenshot(self, *args: Any, **kwargs: Any) -> str:
        raise PermissionError("截屏保存已禁用")

    def quit_after_password(self) -> None:
        """Leaving the counter application: only from the lock screen, after a password."""
        self.exit(0)


#: Seconds between two probes of a register's server that is away.
SERVER_PROBE_SECONDS = 2.0
SERVER_PROBE = "server-probe"
SERVER_BACK = "服务器连接已恢复，可以继续（未保存的内容请再保存一次）"


def _open_register(url: str | None, clock: Any, station_id: str) -> Any:
    """On the store thread: the register, the hall's name and its windows (they change
    rarely: read once, ready for the post screen at login); None when there is none yet."""
    from store.catalog import list_windows
    from store.errors import RegisterNotFound
    from store.session import Register

    try:
        register = Register.open(url, clock=clock, station=station_id)
    except RegisterNotFound:
        return None
    return register, register.meta("hall_name"), list_windows(register)


def _daily_job(
    session: Any, progress: Callable[[int, int], None], between_batches: Callable[[], None]
) -> Any:
    """On the daily job's thread (its imports too): store.daily's job, if no counter ran it
    today."""
    from store.daily import run_daily_if_due

    return run_daily_if_due(session, progress=progress, between_batches=between_batches)


def _register_outcome(opened: Any) -> RegisterOpened | RegisterMissing:
    return RegisterMissing() if opened is None else RegisterOpened(opened)


def run_app(args: Any) -> int:
    """`chuangkou`: the counter application on this station's register."""
    from tui.cli.common import register_url
    from tui.station import load_station

    station = load_station()
    app = ChuangkouApp(
        station=station, register_url=register_url(args, station), devices=_device_manager(station)
    )
    return app.run() or 0


def _device_manager(station: Any) -> Any:
    from devices.manager import DeviceManager

    return DeviceManager(station.devices)
