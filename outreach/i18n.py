"""Translation catalogs: one per domain under outreach/**/translations, merged at run time.

Each domain keeps its own catalog so parallel work on domains never edits the same file.
Source strings are English; Bahasa Indonesia (the default UI language) is a full translation.
"""

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHOD_MAP = [("outreach/**.py", "python"), ("templates/**.html", "jinja2")]


def translation_dirs() -> list[str]:
    """Every `translations` folder in the package (the core one and one per domain)."""
    return sorted(str(p) for p in PACKAGE_DIR.glob("**/translations") if p.is_dir())


def catalog_files(locale: str = "id") -> list[Path]:
    """The .po file of each catalog for a locale."""
    return [Path(d) / locale / "LC_MESSAGES" / "messages.po" for d in translation_dirs()]


def extract_msgids() -> dict[str, str]:
    """Every translatable string in the code and templates, with where it first appears."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_DIR), METHOD_MAP, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def translated(locale: str = "id") -> set[str]:
    """Message ids that some catalog translates for the locale."""
    done: set[str] = set()
    for po in catalog_files(locale):
        if po.exists():
            with po.open("rb") as fh:
                done |= {str(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(fh) if m.id and m.string}
    return done


def missing(locale: str = "id") -> dict[str, str]:
    """Strings used in the UI that no catalog translates yet, with their location."""
    done = translated(locale)
    return {msgid: where for msgid, where in extract_msgids().items() if msgid not in done}


def add_missing(domain_dir: Path, locale: str = "id") -> int:
    """Append untranslated strings to a domain's catalog (empty msgstr, to be filled in)."""
    po = domain_dir / "translations" / locale / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    if po.exists():
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
    else:
        catalog = Catalog(locale=locale, project="outreach")
    todo = {k: v for k, v in missing(locale).items() if k not in catalog}
    for msgid, where in todo.items():
        path, _, line = where.rpartition(":")
        catalog.add(msgid, "", locations=[(path, int(line))])
    with po.open("wb") as fh:
        write_po(fh, catalog, width=100)
    return len(todo)


def compile_all() -> int:
    """Compile every .po to .mo next to it; return how many catalogs were written."""
    count = 0
    for d in translation_dirs():
        for po in Path(d).glob("*/LC_MESSAGES/messages.po"):
            with po.open("rb") as fh:
                catalog = read_po(fh)
            with po.with_suffix(".mo").open("wb") as fh:
                write_mo(fh, catalog)
            count += 1
    return count
