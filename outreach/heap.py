"""Garbage-collector settings for a serving process.

CPython's full (oldest-generation) collection walks every tracked object. A worker holds a few
hundred thousand from start-up alone (modules, the app, SQLAlchemy's mappers, Babel's locale data),
so each full collection paused whichever request triggered it by 100 ms and more. Start-up objects
live as long as the process, so they are moved out of the collector's reach once the app is loaded;
requests' own garbage is still collected.

With the start-up heap frozen, the collector's default thresholds (700, 10, 10) fire too often for
pages that build tens of thousands of rows: a young collection every 700 new objects, and a full one
whenever the objects that survived exceed a quarter of the small unfrozen heap, which a single
dashboard request does. At 1M scans on PostgreSQL that was 19 full collections of about 25 ms in 252
page views (bench.dashboard): one page view in 13 paused, straight into the p95. A young generation of
50,000 objects lets a typical request finish between collections; the garbage it leaves (cycles
included) is still collected, a few MB at most later.
"""

import gc

YOUNG_OBJECTS = 50_000
MIDDLE_COLLECTIONS = 20
OLD_COLLECTIONS = 10


def freeze_startup_heap() -> int:
    """Collect once, exempt every object alive now from later collections and collect requests' objects
    less often (see the module's note); return how many objects were frozen."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, MIDDLE_COLLECTIONS, OLD_COLLECTIONS)
    return gc.get_freeze_count()
