"""Workers keep their start-up objects out of garbage collection (outreach.heap, gunicorn.conf.py)."""

import gc
import runpy
import weakref
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()  # later tests run with a normal collector
    gc.set_threshold(*thresholds)


def _collections_while(make) -> int:
    """How many collections ran while `make()` ran."""
    runs = 0

    def count(phase, _info):
        nonlocal runs
        runs += phase == "start"

    gc.callbacks.append(count)
    try:
        make()
    finally:
        gc.callbacks.remove(count)
    return runs


def _abandoned_cycle() -> weakref.ref:
    """Two objects that only refer to each other (only the collector can free them), by a weak reference."""

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_the_gunicorn_worker_hook_freezes_what_start_up_left(app, unfrozen):
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert gc.get_freeze_count() == 0
    hooks["post_worker_init"](worker=None)
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # modules, the app, mappers: the bulk of a worker's heap
    assert not any(obj is app for obj in gc.get_objects())  # the app is out of the collector's reach


def test_garbage_made_after_the_freeze_is_still_collected(unfrozen):
    from outreach.heap import freeze_startup_heap

    freeze_startup_heap()
    probe = _abandoned_cycle()
    assert probe() is not None
    gc.collect()
    assert probe() is None


def test_a_page_building_twenty_thousand_rows_is_not_interrupted_by_the_collector(unfrozen):
    def rows():
        return [(i, {"count": i}) for i in range(10_000)]  # 20,000 tracked objects, all alive

    assert _collections_while(rows) > 10  # the default collector stops such a request every 700 objects
    from outreach.heap import freeze_startup_heap

    freeze_startup_heap()
    assert _collections_while(rows) == 0


def test_cycles_left_by_a_request_are_freed_without_an_explicit_collect(unfrozen):
    from outreach.heap import freeze_startup_heap

    freeze_startup_heap()
    probe = _abandoned_cycle()
    rows = [{"i": i} for i in range(60_000)]  # the next request's objects
    del rows
    assert probe() is None
