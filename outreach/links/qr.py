"""QR codes for links: error correction Q, the full 4-module quiet zone, PNG for screen and print, SVG."""

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_Q

QUIET_ZONE = 4
# Pixels per module: about 360 px for a phone screen, about 1100 px (9 cm at 300 dpi) for print.
SIZES = {"screen": 8, "print": 24}
# The standard allows any of the eight data masks. Scoring all eight (qrcode's default) takes ~10x
# longer than building the code, too slow for 1,000-flyer batches; one fixed mask keeps every QR of a
# link identical on screen, PNG, SVG and paper, and phone cameras and zbar read it as well.
MASK_PATTERN = 4


def _qr(data: str, box_size: int = 10, **kwargs) -> qrcode.QRCode:
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE, box_size=box_size, mask_pattern=MASK_PATTERN, **kwargs
    )
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_matrix(data: str) -> list[list[bool]]:
    """The modules of the QR code for `data`, quiet zone included (True is dark)."""
    return _qr(data).get_matrix()


def qr_png(data: str, size: str = "screen") -> bytes:
    """A black-on-white PNG of the QR code; `size` is 'screen' or 'print'."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    image = _qr(data, box_size=SIZES[size]).make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_svg(data: str) -> bytes:
    """A scalable SVG of the QR code (one path, white background), for print shops."""
    image = _qr(data, image_factory=qrcode.image.svg.SvgPathFillImage).make_image()
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()
