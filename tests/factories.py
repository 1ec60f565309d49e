"""factory_boy factories on the app's session."""

import datetime

import factory
from factory.alchemy import SQLAlchemyModelFactory

from outreach.areas.models import Area, Opd
from outreach.auth.models import User
from outreach.campaign import PROMOTER
from outreach.drives.models import Drive
from outreach.extensions import db
from outreach.links.codes import ALPHABET
from outreach.links.models import Link, Scan, SurveyTarget
from outreach.promoters.models import Assignment, Promoter

DEFAULT_PASSWORD = "correct horse battery"


class BaseFactory(SQLAlchemyModelFactory):
    """Adds rows to the Flask-SQLAlchemy session and flushes them."""

    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class AreaFactory(BaseFactory):
    """A kelurahan under a fresh kecamatan unless told otherwise."""

    class Meta:
        model = Area

    code = factory.Sequence(lambda n: f"18.71.{n % 90 + 10:02d}.{n + 1000:04d}")
    name = factory.Sequence(lambda n: f"Kelurahan Uji {n}")
    level = "kelurahan"


class OpdFactory(BaseFactory):
    """A dinas."""

    class Meta:
        model = Opd

    code = factory.Sequence(lambda n: f"opd{n}")
    name = factory.Sequence(lambda n: f"Dinas Uji {n}")
    kind = "dinas"


class PromoterFactory(BaseFactory):
    """A pamong with a unique valid Indonesian mobile number."""

    class Meta:
        model = Promoter

    name = factory.Sequence(lambda n: f"Promotor Uji {n}")
    role = "pamong"
    phone = factory.Sequence(lambda n: f"+62813{5000000 + n:07d}")


class AssignmentFactory(BaseFactory):
    """A promoter assigned to an area since 1 July 2026."""

    class Meta:
        model = Assignment

    promoter = factory.SubFactory(PromoterFactory)
    area = factory.SubFactory(AreaFactory)
    start_date = datetime.date(2026, 7, 1)


class UserFactory(BaseFactory):
    """A login with DEFAULT_PASSWORD; promoter logins get their own Promoter."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@bandarlampungkota.go.id")
    role = "coordinator"
    active = True
    password_hash = factory.LazyFunction(lambda: _HASH)
    promoter = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role == PROMOTER), factory.SubFactory(PromoterFactory), None
    )


def _hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(DEFAULT_PASSWORD)


_HASH = _hash()


class DriveFactory(BaseFactory):
    """A planned door-to-door round on 1 October 2026, 15:30–18:30 WIB, in a fresh kelurahan."""

    class Meta:
        model = Drive

    kind = "door_to_door"
    title = factory.Sequence(lambda n: f"Door-to-door uji {n}")
    starts_at = datetime.datetime(2026, 10, 1, 8, 30, tzinfo=datetime.UTC)
    ends_at = datetime.datetime(2026, 10, 1, 11, 30, tzinfo=datetime.UTC)
    audience = "eksternal"
    status = "planned"
    areas = factory.LazyFunction(lambda: [AreaFactory()])


def make_area_tree(kecamatan: int = 1, kelurahan: int = 2, rw: int = 1, rt: int = 2) -> dict[str, Area]:
    """A small real-shaped tree: kota 18.71 → kecamatan → kelurahan → RW → RT, keyed by code."""
    made: dict[str, Area] = {}
    kota = Area(code="18.71", name="Kota Bandar Lampung", level="kota")
    made[kota.code] = kota
    for k in range(1, kecamatan + 1):
        kec = Area(code=f"18.71.{k:02d}", name=f"Kecamatan Uji {k}", level="kecamatan", parent=kota)
        made[kec.code] = kec
        for kl in range(1, kelurahan + 1):
            kel = Area(code=f"{kec.code}.{1000 + kl}", name=f"Kelurahan Uji {k}-{kl}", level="kelurahan", parent=kec)
            made[kel.code] = kel
            for w in range(1, rw + 1):
                rw_area = Area(code=f"{kel.code}.{w:03d}", name=f"RW {w:03d}", level="rw", parent=kel)
                made[rw_area.code] = rw_area
                for t in range(1, rt + 1):
                    rt_area = Area(code=f"{rw_area.code}.{t:03d}", name=f"RT {t:03d}", level="rt", parent=rw_area)
                    made[rt_area.code] = rt_area
    db.session.add_all(made.values())
    db.session.flush()
    return made


class SurveyTargetFactory(BaseFactory):
    """The eksternal SPI survey on an allowlisted host."""

    class Meta:
        model = SurveyTarget

    name = factory.Sequence(lambda n: f"SPI eksternal {n}")
    audience = "eksternal"
    url = "https://spi.kpk.go.id/survei/eksternal"


class LinkFactory(BaseFactory):
    """A flyer link to a fresh target in a fresh kelurahan, without promoter."""

    class Meta:
        model = Link

    code = factory.Sequence(lambda n: "".join(ALPHABET[(n // len(ALPHABET) ** i) % len(ALPHABET)] for i in range(6)))
    target = factory.SubFactory(SurveyTargetFactory)
    area = factory.SubFactory(AreaFactory)
    channel = "flyer"
    label = ""


class ScanFactory(BaseFactory):
    """A human QR scan by a visitor of its own, now (give it a link_id)."""

    class Meta:
        model = Scan

    visitor_hash = factory.Sequence(lambda n: f"visitor-{n}")
    device_class = "mobile"
    is_bot = False
    source = "qr"
