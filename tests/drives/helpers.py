"""Making drives from WIB wall-clock strings."""

from datetime import datetime

from outreach.clock import wib_to_utc
from outreach.drives.services import DriveData, create_drive


def wib(text: str) -> datetime:
    """'2026-09-30 20:00' read as WIB, returned in UTC."""
    return wib_to_utc(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def drive_data(start: str, end: str, areas=(), opds=(), promoters=(), **fields) -> DriveData:
    """DriveData from WIB strings, defaulting the fields a test does not care about."""
    values = {"kind": "door_to_door", "title": f"Drive {start}", "audience": "eksternal"}
    values.update(fields)
    return DriveData(
        starts_at=wib(start), ends_at=wib(end), areas=list(areas), opds=list(opds), promoters=list(promoters), **values
    )


def make_drive(start: str, end: str, areas=(), opds=(), promoters=(), **fields):
    """Create (and flush) a drive from WIB strings."""
    return create_drive(drive_data(start, end, areas, opds, promoters, **fields))
