"""Printable A4 flyers in Bahasa Indonesia: 1 per page, or 4 / 8 per page for cutting.

The QR code is drawn as vector squares (sharp at any print size). `render_flyers()` takes any list
of links, so a kelurahan, kecamatan, OPD or a drive can print its whole batch in one PDF.
"""

import io
from dataclasses import dataclass
from urllib.parse import urlsplit

from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from outreach.links.models import Link
from outreach.links.qr import qr_matrix
from outreach.links.services import area_text, qr_url, short_url

LAYOUTS = (1, 4, 8)
BLUE = HexColor("#0b5cad")
DARK = HexColor("#1b2733")
MUTED = HexColor("#4a5866")
PALE = HexColor("#e8f1fb")
CUT = HexColor("#b8c2cc")
ROLE_LABELS = {"pamong": "Pamong", "linmas": "Linmas", "rt": "Ketua RT"}
ELEMENTS = (
    "Transparansi",
    "Pengelolaan SDM",
    "Pengelolaan anggaran",
    "Integritas dalam pelaksanaan tugas",
    "Perdagangan pengaruh",
    "Pengadaan barang dan jasa",
    "Sosialisasi antikorupsi",
)
KICKER = "SURVEI PENILAIAN INTEGRITAS (SPI) KPK"
HEADLINE = "Ayo isi Survei Penilaian Integritas!"
WHY = (
    'Skor SPI Kota Bandar Lampung tahun 2021 adalah 65,58, kategori "sangat rentan" korupsi. '
    "Pendapat jujur Anda menunjukkan apa yang perlu dibenahi."
)
WHY_SHORT = 'Skor SPI 2021 Kota Bandar Lampung: 65,58 ("sangat rentan").'
AUDIENCE_LINE = {
    "eksternal": (
        "Untuk warga dan pengguna layanan: Anda ditanya tentang keterbukaan dan keadilan layanan, "
        "pencegahan korupsi, dan integritas pegawai (suap, gratifikasi, pungutan liar)."
    ),
    "internal": "Untuk pegawai Pemerintah Kota Bandar Lampung: nilai integritas di tempat kerja Anda.",
}
VOLUNTARY = (
    "Sukarela dan rahasia. Survei dijalankan oleh KPK dan memakan waktu sekitar 5–15 menit. "
    "Jawaban jujur membantu memperbaiki layanan publik."
)
VOLUNTARY_SHORT = "Sukarela & rahasia · dijalankan oleh KPK · 5–15 menit"
HONEST = "Jawaban jujur membantu memperbaiki layanan publik."
ELEMENTS_LINE = (
    "Tujuh unsur yang diukur: transparansi, pengelolaan SDM, pengelolaan anggaran, integritas dalam "
    "pelaksanaan tugas, perdagangan pengaruh, pengadaan barang dan jasa, sosialisasi antikorupsi."
)


@dataclass(frozen=True)
class FlyerText:
    """Everything printed on one flyer."""

    qr_data: str
    typed_url: str
    code: str
    audience: str
    byline: str


def flyer_text(link: Link) -> FlyerText:
    """The flyer's content for a link: QR data, typed address, and who brings it (promoter, role, area)."""
    url = short_url(link.code)
    parts = urlsplit(url)
    if link.promoter is not None:
        who = f"{link.promoter.name} · {ROLE_LABELS.get(link.promoter.role, link.promoter.role)}"
    else:
        who = link.opd.name if link.opd else "Pemerintah Kota Bandar Lampung"
    return FlyerText(
        qr_data=qr_url(link.code),
        typed_url=f"{parts.netloc}{parts.path}",
        code=link.code,
        audience=link.target.audience,
        byline=f"{who} · {area_text(link.area)}",
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


def _wrapped(canvas: Canvas, text: str, x: float, y: float, width: float, font: str, size: float, leading=None):
    """Draw wrapped text from baseline y downward; return the y below the last line."""
    leading = leading or size * 1.3
    canvas.setFont(font, size)
    for line in simpleSplit(text, font, size, width):
        canvas.drawString(x, y, line)
        y -= leading
    return y


def _centred(canvas: Canvas, text: str, cx: float, y: float, font: str, size: float, max_width: float) -> None:
    """One centred line, shrunk to fit `max_width`."""
    while size > 6 and canvas.stringWidth(text, font, size) > max_width:
        size -= 0.5
    canvas.setFont(font, size)
    canvas.drawCentredString(cx, y, text)


def _fitted(canvas: Canvas, text: str, x: float, y: float, font: str, size: float, max_width: float) -> None:
    """One left-aligned line, shrunk to fit `max_width`."""
    while size > 6 and canvas.stringWidth(text, font, size) > max_width:
        size -= 0.5
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)


def _full_page(canvas: Canvas, flyer: FlyerText) -> None:
    """One flyer on a whole A4 page: band with headline, why it matters, big QR, typed address, promise."""
    width, height = A4
    margin = 18 * mm
    inner = width - 2 * margin
    band = 52 * mm
    canvas.setFillColor(BLUE)
    canvas.rect(0, height - band, width, band, stroke=0, fill=1)
    canvas.setFillColor(white)
    _fitted(canvas, KICKER + " · KOTA BANDAR LAMPUNG", margin, height - 15 * mm, "Helvetica-Bold", 11, inner)
    y = _wrapped(canvas, HEADLINE, margin, height - 29 * mm, inner, "Helvetica-Bold", 30, 34)
    _wrapped(canvas, "Suara jujur Anda membantu memperbaiki layanan publik.", margin, y - 1, inner, "Helvetica", 15)

    canvas.setFillColor(DARK)
    y = height - band - 13 * mm
    y = _wrapped(canvas, "Mengapa penting?", margin, y, inner, "Helvetica-Bold", 15)
    y = _wrapped(canvas, WHY, margin, y - 2, inner, "Helvetica", 12.5, 16.5)
    y = _wrapped(canvas, "SPI mengukur tujuh unsur integritas:", margin, y - 4, inner, "Helvetica", 12.5, 16.5)
    col_width = inner / 2
    rows = (len(ELEMENTS) + 1) // 2
    canvas.setFont("Helvetica", 12)
    for i, element in enumerate(ELEMENTS):
        cx = margin + (i // rows) * col_width
        cy = y - 2 - (i % rows) * 17
        canvas.setFillColor(BLUE)
        canvas.circle(cx + 3, cy + 4, 2.4, stroke=0, fill=1)
        canvas.setFillColor(DARK)
        canvas.drawString(cx + 11, cy, element)
    y = y - 4 - rows * 17
    canvas.setFillColor(MUTED)
    y = _wrapped(canvas, AUDIENCE_LINE.get(flyer.audience, ""), margin, y - 2, inner, "Helvetica-Oblique", 11, 14.5)

    # Bottom up: byline, promise box, typed address, caption; the QR takes the space left (up to 10 cm).
    canvas.setFillColor(PALE)
    canvas.roundRect(margin, 19 * mm, inner, 17 * mm, 3 * mm, stroke=0, fill=1)
    canvas.setFillColor(DARK)
    _wrapped(canvas, VOLUNTARY, margin + 5 * mm, 30.5 * mm, inner - 10 * mm, "Helvetica", 11, 14)
    canvas.setFillColor(MUTED)
    _centred(canvas, "Disebarkan oleh " + flyer.byline, width / 2, 11 * mm, "Helvetica", 10.5, inner)
    canvas.setFillColor(BLUE)
    _centred(canvas, flyer.typed_url, width / 2, 43 * mm, "Helvetica-Bold", 24, inner)
    qr_bottom = 58 * mm
    qr_size = min(105 * mm, y - 4 * mm - qr_bottom)
    canvas.setFillColor(DARK)
    _centred(canvas, "Pindai dengan kamera ponsel, atau ketik alamat ini:", width / 2, 52 * mm, "Helvetica", 12, inner)
    _draw_qr(canvas, flyer.qr_data, (width - qr_size) / 2, qr_bottom, qr_size)


def _card(canvas: Canvas, flyer: FlyerText, x: float, y: float, w: float, h: float) -> None:
    """One flyer on a cut-out card: portrait cards (4 per A4) stack, landscape cards (8 per A4) put the QR left."""
    pad = 6 * mm
    if h > w:
        band = 17 * mm
        canvas.setFillColor(BLUE)
        canvas.rect(x, y + h - band, w, band, stroke=0, fill=1)
        canvas.setFillColor(white)
        _centred(canvas, KICKER, x + w / 2, y + h - 7 * mm, "Helvetica-Bold", 8, w - 2 * pad)
        _centred(canvas, HEADLINE, x + w / 2, y + h - 13.5 * mm, "Helvetica-Bold", 15, w - 2 * pad)
        canvas.setFillColor(DARK)
        top = _wrapped(canvas, WHY_SHORT, x + pad, y + h - band - 6 * mm, w - 2 * pad, "Helvetica", 9, 11.5)
        top = _wrapped(canvas, ELEMENTS_LINE, x + pad, top - 1, w - 2 * pad, "Helvetica", 7.5, 9.5)
        qr_size = min(w - 2 * pad, top - y - 36 * mm)
        qr_y = top - 2 * mm - qr_size
        _draw_qr(canvas, flyer.qr_data, x + (w - qr_size) / 2, qr_y, qr_size)
        canvas.setFillColor(BLUE)
        _centred(canvas, flyer.typed_url, x + w / 2, qr_y - 5 * mm, "Helvetica-Bold", 12, w - 2 * pad)
        canvas.setFillColor(DARK)
        _centred(canvas, VOLUNTARY_SHORT, x + w / 2, qr_y - 11 * mm, "Helvetica", 8.5, w - 2 * pad)
        _centred(canvas, HONEST, x + w / 2, qr_y - 15.5 * mm, "Helvetica", 8.5, w - 2 * pad)
        canvas.setFillColor(MUTED)
        _centred(canvas, "Disebarkan oleh " + flyer.byline, x + w / 2, y + 5 * mm, "Helvetica", 8, w - 2 * pad)
        return
    pad = 5 * mm
    qr_size = h - 2 * pad - 15 * mm
    _draw_qr(canvas, flyer.qr_data, x + pad - 2 * mm, y + h - pad - qr_size, qr_size)
    tx = x + pad + qr_size + 1 * mm
    tw = x + w - pad - tx
    canvas.setFillColor(BLUE)
    _fitted(canvas, "SURVEI SPI KPK", tx, y + h - pad - 4 * mm, "Helvetica-Bold", 7.5, tw)
    canvas.setFillColor(DARK)
    top = _wrapped(
        canvas, "Ayo isi Survei Penilaian Integritas!", tx, y + h - pad - 10 * mm, tw, "Helvetica-Bold", 12, 14
    )
    top = _wrapped(canvas, WHY_SHORT, tx, top - 1, tw, "Helvetica", 8, 10)
    _wrapped(canvas, VOLUNTARY_SHORT + ". " + HONEST, tx, top - 2, tw, "Helvetica", 8, 10)
    canvas.setFillColor(BLUE)
    _centred(canvas, "Ketik: " + flyer.typed_url, x + w / 2, y + 11 * mm, "Helvetica-Bold", 11, w - 2 * pad)
    canvas.setFillColor(MUTED)
    _centred(canvas, "Disebarkan oleh " + flyer.byline, x + w / 2, y + 5 * mm, "Helvetica", 7, w - 2 * pad)


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


def render_flyers(links: list[Link], layout: int = 1, title: str = "Flyer SPI") -> bytes:
    """A PDF of flyers for the links: `layout` 1 (A4 each), 4 (A6 cards) or 8 (small cards) per A4 page."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(map(str, LAYOUTS))}, not {layout!r}")
    if not links:
        raise ValueError("no links to print")
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=0)
    canvas.setTitle(title)
    canvas.setAuthor("Pemerintah Kota Bandar Lampung")
    canvas.setSubject("Ajakan mengisi Survei Penilaian Integritas (SPI) KPK")
    cols, rows = {1: (1, 1), 4: (2, 2), 8: (2, 4)}[layout]
    width, height = A4
    w, h = width / cols, height / rows
    per_page = cols * rows
    for start in range(0, len(links), per_page):
        for i, link in enumerate(links[start : start + per_page]):
            flyer = flyer_text(link)
            if layout == 1:
                _full_page(canvas, flyer)
            else:
                _card(canvas, flyer, (i % cols) * w, height - (i // cols + 1) * h, w, h)
        if layout != 1:
            _cut_marks(canvas, cols, rows)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
