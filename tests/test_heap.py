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
    yield
    gc.unfreeze()  # later tests run with a normal collector


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

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle only the collector can free
    probe = weakref.ref(a)
    del a, b
    assert probe() is not None
    gc.collect()
    assert probe() is None
