"""Messages that workers post back to the UI thread."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class StoreFailed(Message):
    """A store call failed; `message` is Chinese, for the screen; `error` is the exception's
    class (its text stays out: it could hold anything)."""

    def __init__(
        self, message: str, what: str = "", error: type[BaseException] | None = None
    ) -> None:
        super().__init__()
        self.message = message
        self.what = what
        self.error = error


class LoggedIn(Message):
    """A login: (session, sign-in record or None, the roster's default post, staff name,
    and optionally AB岗 notices: store.handover.LoginNotice, and the windows as read now:
    one added at another counter since the register was opened is offered too)."""

    def __init__(self, result: tuple[Any, ...]) -> None:
        super().__init__()
        self.session, self.sign_in, self.default_post, self.staff_name = result[:4]
        self.notices = result[4] if len(result) > 4 else []
        self.windows: list[tuple[str, str]] | None = result[5] if len(result) > 5 else None


class QueueLoaded(Message):
    def __init__(self, queue: Any) -> None:
        super().__init__()
        self.queue = queue


class SearchFinished(Message):
    def __init__(self, query_kind: str, result: Any, history: Any = None) -> None:
        super().__init__()
        self.query_kind = query_kind
        self.result = result
        #: The one person found's 一人一档, read with the search (tui.screens.search).
        self.history = history


class HistoryLoaded(Message):
    def __init__(self, history: Any) -> None:
        super().__init__()
        self.history = history


class DeviceEventArrived(Message):
    """An event from devices/ (CardRead, DeviceLost …), carried onto the UI thread."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event


# -- the app's own store work (tui.app), handled on the UI thread ----------------------------
class RegisterOpened(Message):
    """The register is open: (register, the hall's name, its windows as (code, name))."""

    def __init__(self, opened: tuple[Any, str, list[tuple[str, str]]]) -> None:
        super().__init__()
        self.register, self.hall_name, self.windows = opened


class RegisterMissing(Message):
    """No register at the station's URL yet: the first-run wizard sets one up."""


class RegisterFailed(StoreFailed):
    """The register could not be opened (the app's own failure: screens never see it)."""


class DailyJobDone(Message):
    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result  # store.daily.DailyResult, or None: another counter ran it


class DailyJobFailed(StoreFailed):
    """The daily job failed; the next login of the day tries again."""


class DailyJobProgress(Message):
    """The daily job has worked through ``done`` of its ``total`` services (after a batch)."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done, self.total = done, total


# -- the register's server away and back (store.errors.ServerUnavailable) --------------------
class ServerLost(Message):
    """A store call found the register's server away: posted to the app by
    tui.store_calls, besides the screen's own StoreFailed."""


class ServerBack(Message):
    """The app's probe reached the server again."""

    def __init__(self, _result: Any = None) -> None:
        super().__init__()


class ServerProbeFailed(StoreFailed):
    """The app's probe did not reach the server (yet): the next one follows."""
