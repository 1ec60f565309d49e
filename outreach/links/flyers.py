"""Printable A4 flyers (selebaran) in Bahasa Indonesia: 1 per page, or 4 / 8 per page for cutting.

Each flyer names who stands behind it (Pemerintah Kota Bandar Lampung, KPK's SPI and its year), invites
in one sentence, carries the QR code with the code and short address to type, says the survey is
voluntary and confidential, its closing date when known, the promoter's role and area (never a
name or phone number) and where anyone can check that the flyer is genuine (`/cek/<code>`).
The QR code is drawn as vector squares (sharp at any print size). `render_flyers()` takes any list
of links, so a kelurahan, kecamatan, OPD or a drive can print its whole batch in one PDF.
"""

import io
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import urlsplit

from babel.dates import format_date
from flask import current_app
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from outreach import clock
from outreach.links.models import Link
from outreach.links.qr import qr_matrix
from outreach.links.services import area_text, qr_url, short_url
from outreach.metrics.figures import current_round

LAYOUTS = (1, 4, 8)
BLUE = HexColor("#0b4f96")
DARK = HexColor("#1b2733")
MUTED = HexColor("#4a5866")
PALE = HexColor("#e8f1fb")
RED = HexColor("#b3261e")
CUT = HexColor("#b8c2cc")
ROLE_LABELS = {"pamong": "Pamong", "linmas": "Linmas", "rt": "Ketua RT"}
CITY = "PEMERINTAH KOTA BANDAR LAMPUNG"
ORGANISER = "Komisi Pemberantasan Korupsi (KPK)"
INVITE = {
    "eksternal": (
        "Ceritakan pengalaman Anda dengan layanan Pemerintah Kota Bandar Lampung lewat survei resmi KPK (5–15 menit)."
    ),
    "internal": "Sampaikan penilaian Anda tentang integritas di tempat kerja lewat survei resmi KPK (5–15 menit).",
}
# The invitation again, short enough for the small cards (8 per A4).
INVITE_SHORT = {
    "eksternal": "Nilai layanan Pemerintah Kota lewat survei resmi KPK.",
    "internal": "Nilai integritas tempat kerja Anda lewat survei resmi KPK.",
}
PROMISE = "Sukarela dan rahasia"
WHY = "Jawaban jujur Anda menunjukkan apa yang perlu dibenahi dalam layanan publik."


@dataclass(frozen=True)
class FlyerText:
    """Everything printed on one flyer."""

    qr_data: str
    typed_url: str
    check_url: str
    code: str
    invite: str
    invite_short: str
    byline: str


@dataclass(frozen=True)
class Campaign:
    """What every flyer of a batch shares: the survey's year and, when known, its closing date."""

    year: int
    closes: str | None

    @property
    def title(self) -> str:
        """The survey's name with its year."""
        return f"Survei Penilaian Integritas (SPI) {self.year}"


def campaign(today: date | None = None) -> Campaign:
    """The current SPI round's year and closing date ('31 Oktober 2026'); the date only while it is still ahead.

    The round's deadline comes first, then the SPI_DEADLINE setting; with neither, no date is printed.
    """
    today = today or clock.today()
    round_ = current_round(today)
    deadlines = [round_.deadline if round_ else None, current_app.config.get("SPI_DEADLINE")]
    closes = next((day for day in deadlines if day is not None and day >= today), None)
    return Campaign(
        year=round_.year if round_ else today.year,
        closes=format_date(closes, "d MMMM y", locale="id") if closes else None,
    )


def _address(url: str) -> str:
    """A URL as people type it: host and path, no scheme."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


def flyer_text(link: Link) -> FlyerText:
    """The flyer's content for a link: QR data, typed address, check address and who hands it out (role, area)."""
    url = short_url(link.code)
    base = url[: -len(f"/s/{link.code}")]
    if link.promoter is not None:
        role = ROLE_LABELS.get(link.promoter.role, link.promoter.role)
        where = link.opd.name if link.opd else area_text(link.area)
        byline = f"{role} · {where}"
    else:
        byline = link.opd.name if link.opd else f"Pemerintah Kota Bandar Lampung · {area_text(link.area)}"
    return FlyerText(
        qr_data=qr_url(link.code),
        typed_url=_address(url),
        check_url=_address(f"{base}/cek/{link.code}"),
        code=link.code,
        invite=INVITE.get(link.target.audience, INVITE["eksternal"]),
        invite_short=INVITE_SHORT.get(link.target.audience, INVITE_SHORT["eksternal"]),
        byline=byline,
    )


def _draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code of `size` points (quiet zone included) with its lower-left corner at (x, y).

    Written as raw PDF path operators in module units (one rectangle per horizontal run, filled
    non-zero): formatting thousands of floats through reportlab's canvas was most of a batch's time.
    """
    matrix = qr_matrix(data)
    n = len(matrix)
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    scale = size / n
    ops = [f"q 1 0 0 1 {x:.3f} {y:.3f} cm {scale:.5f} 0 0 {scale:.5f} 0 0 cm 0 g"]
    for row, cells in enumerate(matrix):
        bottom = n - row - 1
        col = 0
        while col < n:
            if cells[col]:
                start = col
                while col < n and cells[col]:
                    col += 1
                # Overlapping a little (the fill is non-zero, so overlaps stay dark) avoids hairline seams.
                ops.append(f"{start} {bottom} {col - start}.04 1.04 re")
            else:
                col += 1
    ops.append("f Q")
    canvas.addLiteral("\n".join(ops))


@lru_cache(maxsize=256)
def _lines(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """`text` broken into lines of at most `width`; a batch prints the same sentences on every flyer."""
    return tuple(simpleSplit(text, font, size, width))


@lru_cache(maxsize=4096)
def _fitting_size(text: str, font: str, size: float, max_width: float) -> float:
    """The largest size down from `size` (in half points, at least 6) at which `text` fits `max_width`."""
    while size > 6 and stringWidth(text, font, size) > max_width:
        size -= 0.5
    return size


def _wrapped(canvas: Canvas, text: str, x: float, y: float, width: float, font: str, size: float, leading=None):
    """Draw wrapped text from baseline y downward; return the y below the last line."""
    leading = leading or size * 1.3
    canvas.setFont(font, size)
    for line in _lines(text, font, size, width):
        canvas.drawString(x, y, line)
        y -= leading
    return y


def _centred(canvas: Canvas, text: str, cx: float, y: float, font: str, size: float, max_width: float) -> None:
    """One centred line, shrunk to fit `max_width`."""
    size = _fitting_size(text, font, size, max_width)
    canvas.setFont(font, size)
    canvas.drawCentredString(cx, y, text)


def _fitted(canvas: Canvas, text: str, x: float, y: float, font: str, size: float, max_width: float) -> None:
    """One left-aligned line, shrunk to fit `max_width`."""
    size = _fitting_size(text, font, size, max_width)
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)


def _centred_lines(canvas: Canvas, text: str, cx: float, y: float, width: float, font: str, size: float, leading=None):
    """Wrapped text centred on `cx` from baseline y downward; return the y below the last line."""
    leading = leading or size * 1.25
    canvas.setFont(font, size)
    for line in _lines(text, font, size, width):
        canvas.drawCentredString(cx, y, line)
        y -= leading
    return y


def _header(canvas: Canvas, c: Campaign, x: float, top: float, w: float, band: float, sizes: tuple) -> None:
    """The blue band naming the city, the survey with its year and KPK, with a red rule under it."""
    city, title, organiser = sizes
    canvas.setFillColor(BLUE)
    canvas.rect(x, top - band, w, band, stroke=0, fill=1)
    canvas.setFillColor(RED)
    canvas.rect(x, top - band - band * 0.045, w, band * 0.045, stroke=0, fill=1)
    canvas.setFillColor(white)
    cx, inner = x + w / 2, w - band * 0.5
    _centred(canvas, CITY, cx, top - band * 0.27, "Helvetica-Bold", city, inner)
    _centred(canvas, c.title, cx, top - band * 0.6, "Helvetica-Bold", title, inner)
    _centred(canvas, "diselenggarakan oleh " + ORGANISER, cx, top - band * 0.85, "Helvetica", organiser, inner)


def _full_page(canvas: Canvas, flyer: FlyerText, c: Campaign) -> None:
    """One flyer on a whole A4 page: header, invitation, big QR with code and address, promise, date, footer."""
    width, height = A4
    margin = 18 * mm
    inner = width - 2 * margin
    cx = width / 2
    band = 44 * mm
    _header(canvas, c, 0, height, width, band, (13, 25, 12.5))

    canvas.setFillColor(DARK)
    invite_bottom = _centred_lines(canvas, flyer.invite, cx, height - band - 14 * mm, inner, "Helvetica-Bold", 17, 22)

    # Bottom up: check address, byline, closing date, promise box, address, code; the QR takes what is left.
    canvas.setFillColor(MUTED)
    _centred(canvas, "Cek keaslian selebaran ini: " + flyer.check_url, cx, 11 * mm, "Helvetica", 11, inner)
    canvas.setFillColor(DARK)
    _centred(canvas, "Dibagikan oleh " + flyer.byline, cx, 18 * mm, "Helvetica", 11.5, inner)
    canvas.setStrokeColor(CUT)
    canvas.setLineWidth(0.6)
    canvas.line(margin, 24 * mm, width - margin, 24 * mm)
    box_bottom = 29 * mm
    if c.closes:
        canvas.setFillColor(DARK)
        _centred(canvas, f"Survei dibuka sampai {c.closes}", cx, 30 * mm, "Helvetica-Bold", 14, inner)
        box_bottom = 37 * mm
    box_height = 24 * mm
    canvas.setFillColor(PALE)
    canvas.roundRect(margin, box_bottom, inner, box_height, 3 * mm, stroke=0, fill=1)
    canvas.setFillColor(BLUE)
    canvas.rect(margin, box_bottom, 2.2 * mm, box_height, stroke=0, fill=1)
    _centred(canvas, PROMISE.upper(), cx, box_bottom + box_height - 10 * mm, "Helvetica-Bold", 21, inner - 10 * mm)
    canvas.setFillColor(DARK)
    _centred(canvas, WHY, cx, box_bottom + 5.5 * mm, "Helvetica", 12.5, inner - 10 * mm)

    # The QR, its code and the address form one group, centred in the space between invitation and box.
    space_bottom, space_top = box_bottom + box_height, invite_bottom + 6
    qr_size = min(115 * mm, space_top - space_bottom - 46 * mm)
    group_bottom = space_bottom + (space_top - space_bottom - qr_size - 34 * mm) / 2
    url_y = group_bottom + 2 * mm
    canvas.setFillColor(BLUE)
    _centred(canvas, flyer.typed_url, cx, url_y, "Helvetica-Bold", 19, inner)
    canvas.setFillColor(DARK)
    scan_hint = "Pindai QR dengan kamera ponsel, atau buka alamat ini:"
    _centred(canvas, scan_hint, cx, url_y + 8 * mm, "Helvetica", 12, inner)
    code_y = url_y + 19 * mm
    _code(canvas, flyer.code, cx, code_y, 34, inner)
    _draw_qr(canvas, flyer.qr_data, cx - qr_size / 2, code_y + 13 * mm, qr_size)


def _code(canvas: Canvas, code: str, cx: float, y: float, size: float, max_width: float) -> None:
    """'KODE' small, then the code in large letters, centred on `cx` as one line."""
    label, gap = "KODE", size * 0.35
    small = size * 0.42
    while (
        size > 8
        and canvas.stringWidth(code, "Helvetica-Bold", size) + gap + canvas.stringWidth(label, "Helvetica-Bold", small)
        > max_width
    ):
        size -= 1
        small, gap = size * 0.42, size * 0.35
    code_width = canvas.stringWidth(code, "Helvetica-Bold", size)
    label_width = canvas.stringWidth(label, "Helvetica-Bold", small)
    x = cx - (label_width + gap + code_width) / 2
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica-Bold", small)
    canvas.drawString(x, y, label)
    canvas.setFillColor(DARK)
    canvas.setFont("Helvetica-Bold", size)
    canvas.drawString(x + label_width + gap, y, code)


def _card(canvas: Canvas, flyer: FlyerText, c: Campaign, x: float, y: float, w: float, h: float) -> None:
    """One flyer on a cut-out card: portrait cards (4 per A4) stack, landscape cards (8 per A4) put the QR left."""
    if h > w:
        _portrait_card(canvas, flyer, c, x, y, w, h)
    else:
        _landscape_card(canvas, flyer, c, x, y, w, h)


def _portrait_card(canvas: Canvas, flyer: FlyerText, c: Campaign, x: float, y: float, w: float, h: float) -> None:
    pad = 6 * mm
    inner = w - 2 * pad
    cx = x + w / 2
    band = 21 * mm
    _header(canvas, c, x, y + h, w, band, (7.5, 12.5, 7))
    canvas.setFillColor(DARK)
    top = _centred_lines(canvas, flyer.invite, cx, y + h - band - 6 * mm, inner, "Helvetica-Bold", 9, 11)

    canvas.setFillColor(MUTED)
    _centred(canvas, "Cek keaslian: " + flyer.check_url, cx, y + 4 * mm, "Helvetica", 7, inner)
    canvas.setFillColor(DARK)
    _centred(canvas, "Dibagikan oleh " + flyer.byline, cx, y + 7.5 * mm, "Helvetica", 7, inner)
    bottom = y + 11.5 * mm
    if c.closes:
        _centred(canvas, f"Survei dibuka sampai {c.closes}", cx, bottom + 0.5 * mm, "Helvetica-Bold", 8.5, inner)
        bottom += 5 * mm
    box_height = 12 * mm
    canvas.setFillColor(PALE)
    canvas.roundRect(x + pad, bottom, inner, box_height, 2 * mm, stroke=0, fill=1)
    canvas.setFillColor(BLUE)
    _centred(canvas, PROMISE.upper(), cx, bottom + box_height - 5 * mm, "Helvetica-Bold", 11, inner - 4 * mm)
    canvas.setFillColor(DARK)
    _centred(canvas, WHY, cx, bottom + 2.5 * mm, "Helvetica", 7, inner - 4 * mm)
    url_y = bottom + box_height + 4.5 * mm
    canvas.setFillColor(BLUE)
    _centred(canvas, flyer.typed_url, cx, url_y, "Helvetica-Bold", 10.5, inner)
    code_y = url_y + 7 * mm
    _code(canvas, flyer.code, cx, code_y, 20, inner)
    qr_bottom = code_y + 7 * mm
    qr_size = min(inner, top + 4 - qr_bottom)
    _draw_qr(canvas, flyer.qr_data, cx - qr_size / 2, qr_bottom, qr_size)


def _landscape_card(canvas: Canvas, flyer: FlyerText, c: Campaign, x: float, y: float, w: float, h: float) -> None:
    pad = 4.5 * mm
    band = 12 * mm
    canvas.setFillColor(BLUE)
    canvas.rect(x, y + h - band, w, band, stroke=0, fill=1)
    canvas.setFillColor(RED)
    canvas.rect(x, y + h - band - 0.6 * mm, w, 0.6 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    _centred(canvas, CITY + " · KPK", x + w / 2, y + h - 4.5 * mm, "Helvetica-Bold", 6.5, w - 2 * pad)
    _centred(canvas, c.title, x + w / 2, y + h - 9.5 * mm, "Helvetica-Bold", 11, w - 2 * pad)

    footer = y + 8.5 * mm
    canvas.setFillColor(DARK)
    _centred(canvas, "Dibagikan oleh " + flyer.byline, x + w / 2, y + 6 * mm, "Helvetica", 6.5, w - 2 * pad)
    canvas.setFillColor(MUTED)
    _centred(canvas, "Cek keaslian: " + flyer.check_url, x + w / 2, y + 3 * mm, "Helvetica", 6.5, w - 2 * pad)

    qr_size = y + h - band - 1.5 * mm - footer
    _draw_qr(canvas, flyer.qr_data, x + pad - 2.5 * mm, footer, qr_size)
    tx = x + pad - 2.5 * mm + qr_size + 1 * mm
    tw = x + w - pad - tx
    tcx = tx + tw / 2
    canvas.setFillColor(DARK)
    top = _centred_lines(canvas, flyer.invite_short, tcx, y + h - band - 5 * mm, tw, "Helvetica-Bold", 7.5, 9)
    canvas.setFillColor(MUTED)
    _centred(canvas, "KODE", tcx, top - 2.5 * mm, "Helvetica-Bold", 7, tw)
    canvas.setFillColor(DARK)
    _centred(canvas, flyer.code, tcx, top - 9 * mm, "Helvetica-Bold", 19, tw)
    canvas.setFillColor(BLUE)
    _centred(canvas, flyer.typed_url, tcx, top - 13.5 * mm, "Helvetica-Bold", 8, tw)
    _centred(canvas, PROMISE.upper(), tcx, top - 19.5 * mm, "Helvetica-Bold", 9, tw)
    canvas.setFillColor(DARK)
    bottom = _centred_lines(canvas, WHY, tcx, top - 23 * mm, tw, "Helvetica", 6.5, 8)
    if c.closes:
        _centred(canvas, f"Dibuka sampai {c.closes}", tcx, bottom - 1.5 * mm, "Helvetica-Bold", 7, tw)


def _cut_marks(canvas: Canvas, cols: int, rows: int) -> None:
    width, height = A4
    canvas.setStrokeColor(CUT)
    canvas.setLineWidth(0.5)
    canvas.setDash(3, 3)
    for c in range(1, cols):
        canvas.line(width * c / cols, 0, width * c / cols, height)
    for r in range(1, rows):
        canvas.line(0, height * r / rows, width, height * r / rows)
    canvas.setDash()


def _new_canvas(out: io.BytesIO, title: str) -> Canvas:
    canvas = Canvas(out, pagesize=A4, pageCompression=0)
    canvas.setTitle(title)
    canvas.setAuthor("Pemerintah Kota Bandar Lampung")
    canvas.setSubject("Ajakan mengisi Survei Penilaian Integritas (SPI) KPK")
    return canvas


def _draw_flyers(canvas: Canvas, links: list[Link], layout: int, shared: Campaign) -> None:
    """The links' flyers from a fresh page on, `layout` per A4 page."""
    cols, rows = {1: (1, 1), 4: (2, 2), 8: (2, 4)}[layout]
    width, height = A4
    w, h = width / cols, height / rows
    per_page = cols * rows
    for start in range(0, len(links), per_page):
        for i, link in enumerate(links[start : start + per_page]):
            flyer = flyer_text(link)
            if layout == 1:
                _full_page(canvas, flyer, shared)
            else:
                _card(canvas, flyer, shared, (i % cols) * w, height - (i // cols + 1) * h, w, h)
        if layout != 1:
            _cut_marks(canvas, cols, rows)
        canvas.showPage()


def _check(links: list[Link], layout: int) -> None:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(map(str, LAYOUTS))}, not {layout!r}")
    if not links:
        raise ValueError("no links to print")


def render_flyers(links: list[Link], layout: int = 1, title: str = "Selebaran SPI") -> bytes:
    """A PDF of flyers for the links: `layout` 1 (A4 each), 4 (A6 cards) or 8 (small cards) per A4 page."""
    _check(links, layout)
    out = io.BytesIO()
    canvas = _new_canvas(out, title)
    _draw_flyers(canvas, links, layout, campaign())
    canvas.save()
    return out.getvalue()


@dataclass
class FlyerGroup:
    """The flyers of one kelurahan (or of units outside any kelurahan), in RT order."""

    title: str
    subtitle: str
    code: str
    links: list[Link]


def _cover(canvas: Canvas, group: FlyerGroup, c: Campaign, layout: int) -> None:
    """A cover sheet that says whose pile of flyers follows, so a batch can be split for handing out."""
    width, height = A4
    _header(canvas, c, 20 * mm, height - 20 * mm, width - 40 * mm, 30 * mm, (11, 16, 10))
    canvas.setFillColor(DARK)
    _centred(canvas, group.title, width / 2, height / 2 + 30 * mm, "Helvetica-Bold", 34, width - 40 * mm)
    if group.subtitle:
        _centred(canvas, group.subtitle, width / 2, height / 2 + 14 * mm, "Helvetica", 16, width - 40 * mm)
    sheets = -(-len(group.links) // layout)
    _centred(
        canvas,
        f"{len(group.links)} selebaran · {sheets} lembar A4",
        width / 2,
        height / 2 - 6 * mm,
        "Helvetica",
        14,
        width - 40 * mm,
    )
    units = sorted({link.area.name for link in group.links if link.area is not None})
    _centred_lines(canvas, ", ".join(units), width / 2, height / 2 - 22 * mm, width - 60 * mm, "Helvetica", 10)
    canvas.setFillColor(MUTED)
    _centred(canvas, "Lembar sampul: jangan dibagikan.", width / 2, 20 * mm, "Helvetica-Oblique", 9, width - 40 * mm)
    canvas.showPage()


def render_flyer_book(groups: list[FlyerGroup], layout: int = 4, title: str = "Selebaran SPI") -> bytes:
    """One PDF: each group's cover sheet, then its flyers from a fresh page, groups in the order given."""
    _check([link for g in groups for link in g.links], layout)
    out = io.BytesIO()
    canvas = _new_canvas(out, title)
    shared = campaign()
    for group in groups:
        _cover(canvas, group, shared, layout)
        _draw_flyers(canvas, group.links, layout, shared)
    canvas.save()
    return out.getvalue()
