"""call_store (tui.store_calls) in a real, tiny Textual app: the store function runs off the
UI thread, and its outcome comes back only as a message, handled on the UI thread."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from typing import Any

from textual import on
from textual.app import App
from textual.message import Message
from textual.worker import WorkerCancelled

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen


class FakeStore:
    """The app's store gateway, synchronous: runs ``fn`` where it is called (the worker's
    thread) and remembers which thread that was."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def run(self, fn, *args, **kwargs):
        self.threads.append(threading.get_ident())
        return fn(*args, **kwargs)


class Loaded(Message):
    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


class OwnFailure(StoreFailed):
    """A failure only its own handler takes (as the rating screen's RatingRefused)."""


class Probe(CounterScreen):
    """Records every message of a store call it gets, and the thread it got it on."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[tuple[Message, int]] = []

    @on(Loaded)
    @on(StoreFailed)  # a subclass too (OwnFailure), as @on matches by class
    def _record(self, message: Message) -> None:
        self.received.append((message, threading.get_ident()))


class Tiny(App):
    def __init__(self) -> None:
        super().__init__()
        self.store = FakeStore()
        self.probe = Probe()

    def on_mount(self) -> None:
        self.push_screen(self.probe)


async def _call(fn, *args, **kwargs) -> tuple[Tiny, list[tuple[Message, int]]]:
    app = Tiny()
    async with app.run_test() as pilot:
        await pilot.pause()
        ui_thread = threading.get_ident()
        app.probe.call_store(fn, *args, **kwargs)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.store.threads and all(t != ui_thread for t in app.store.threads)
        assert all(thread == ui_thread for _, thread in app.probe.received)
        return app, app.probe.received


def _add(a: int, b: int, *, times: int = 1) -> int:
    return (a + b) * times


async def test_a_result_comes_back_as_the_typed_message():
    _, received = await _call(_add, 2, 3, times=2, done=Loaded, what="sum")
    [(message, _)] = received
    assert type(message) is Loaded
    assert message.result == 10


async def test_a_store_refusal_comes_back_as_store_failed_with_its_chinese_message():
    from store.errors import InvalidInput
    from tui.gateway import user_message

    def refuse() -> None:
        raise InvalidInput("办件号格式不正确")

    _, received = await _call(refuse, done=Loaded, what="case")
    [(message, _)] = received
    assert type(message) is StoreFailed
    assert message.message == user_message(InvalidInput("办件号格式不正确")) == "办件号格式不正确"
    assert message.what == "case"
    assert message.error is InvalidInput


async def test_an_unexpected_error_is_named_without_its_text():
    def crash() -> None:
        raise RuntimeError("张三 110101199003074578")

    _, received = await _call(crash, done=Loaded, what="search")
    [(message, _)] = received
    assert isinstance(message, StoreFailed)
    assert message.message.startswith("内部错误（RuntimeError）")
    assert "张三" not in message.message and "1101" not in message.message
    assert message.what == "search"


async def test_a_failure_class_of_its_own_carries_the_error_class():
    from store.errors import NotFound

    def missing() -> None:
        raise NotFound("没有这个办件")

    _, received = await _call(missing, done=Loaded, failed=OwnFailure, what="rating")
    [(message, _)] = received
    assert type(message) is OwnFailure
    assert (message.message, message.what, message.error) == ("没有这个办件", "rating", NotFound)


class RecordingExecutor(concurrent.futures.ThreadPoolExecutor):
    """The loop's default executor (thread workers run on it), keeping every future."""

    def __init__(self) -> None:
        super().__init__(max_workers=4)
        self.futures: list[concurrent.futures.Future] = []

    def submit(self, fn, /, *args, **kwargs):
        future = super().submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future


async def test_a_newer_call_of_the_same_group_wins():
    """A call still on the store thread when a newer one of its group starts posts nothing;
    the newer one's result comes back."""
    executor = RecordingExecutor()
    asyncio.get_running_loop().set_default_executor(executor)
    app = Tiny()
    newer = []

    def search_again() -> None:  # on the UI thread
        newer.append(app.probe.call_store(_add, 1, 1, done=Loaded, what="q"))

    def older_search() -> str:
        # While this call is on the store thread, the clerk searches again.
        app.call_from_thread(search_again)
        return "older"

    async with app.run_test() as pilot:
        await pilot.pause()
        older = app.probe.call_store(older_search, done=Loaded, what="q")
        with contextlib.suppress(WorkerCancelled):
            await older.wait()  # returns as soon as it is cancelled
        await newer[0].wait()
        # The older call's thread has finished too (its result was dropped, not delayed).
        concurrent.futures.wait([f for f in executor.futures if not f.done()], timeout=30)
        await pilot.pause()
        assert older.is_cancelled and not newer[0].is_cancelled
        assert [m.result for m, _ in app.probe.received] == [2]


async def test_a_long_read_goes_to_its_own_gateway_off_the_counters_store_thread():
    """Reports (gateway="reports") run on their own gateway: the counter's store gateway
    never sees them, so its work does not queue behind a quarter's figures."""
    app = Tiny()
    app.reports = FakeStore()
    async with app.run_test() as pilot:
        await pilot.pause()
        app.probe.call_store(_add, 1, 2, done=Loaded, what="report", gateway="reports")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.reports.threads and not app.store.threads
    [(message, _)] = app.probe.received
    assert message.result == 3


def test_the_report_gateway_is_its_own_thread():
    from tui.gateway import StoreGateway

    store, reports = StoreGateway(), StoreGateway("chuangkou-reports")
    try:
        names = {g.run(lambda: threading.current_thread().name) for g in (store, reports)}
    finally:
        store._executor.shutdown()
        reports._executor.shutdown()
    assert len(names) == 2 and any(n.startswith("chuangkou-reports") for n in names)
