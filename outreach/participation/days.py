"""WIB (Asia/Jakarta) calendar days: every participation figure is counted per WIB day.

The helpers live in `outreach.clock`; nothing imports them from here any more.
"""

from outreach.clock import WIB, day_range, wib_day

__all__ = ["WIB", "day_range", "wib_day"]
