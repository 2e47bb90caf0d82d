"""Make a Great Expectations Data Docs site readable with no internet access.

The pages Great Expectations writes load Bootstrap, jQuery, Popper, Font Awesome, bootstrap-table,
a date picker and Vega from public CDNs, and a logo from a web bucket. On a district's offline
network they come out unstyled. :func:`make_offline` rewrites every HTML and CSS file of a site:

* Bootstrap 4.3.1 (CSS and the JS bundle, which includes Popper), jQuery 3.7.1,
  bootstrap-table 1.19.1 with its filter-control extension, and bootstrap-datepicker 1.9.0 are
  shipped in ``huimin/reports/static/vendor`` (their licences beside them) and copied into the
  site's ``static/huimin/``; the pages point there with relative links;
* Font Awesome is replaced by ``huimin-offline.css``, which draws the few icons the pages use
  with Unicode symbols;
* the other scripts and style sheets (the dark theme, Vega: the validation pages do not use
  them) are dropped; remote images become the logo Great
  Expectations ships in ``static/images``; links to web sites lose their target; links to the
  site's own ``static/`` files are made relative to the page (GX writes some one level short).

Afterwards no page or style sheet references ``http://`` or ``https://``
(:func:`external_references` lists any that remain, for tests).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Final

STATIC: Final = Path(__file__).resolve().parent / "static"
#: where the shipped assets go inside the site
SITE_ASSETS: Final = "static/huimin"
VENDOR_FILES: Final = (
    *(
        f"vendor/{name}"
        for name in (
            "bootstrap.min.css",
            "bootstrap.bundle.min.js",
            "jquery.min.js",
            "bootstrap-table.min.css",
            "bootstrap-table.min.js",
            "bootstrap-table-filter-control.min.js",
            "bootstrap-datepicker.min.css",
            "bootstrap-datepicker.min.js",
            "LICENSE-bootstrap.txt",
            "LICENSE-jquery.txt",
            "LICENSE-bootstrap-table.txt",
            "LICENSE-bootstrap-datepicker.txt",
        )
    ),
    "huimin-offline.css",
)
LOGO: Final = "static/images/logo-long.png"

_REMOTE = r"""(?:https?:)?//[^"'\s>]+"""
_SCRIPT = re.compile(rf"""<script\b[^>]*\bsrc=["']({_REMOTE})["'][^>]*>\s*</script>""", re.I)
_LINK = re.compile(rf"""<link\b[^>]*\bhref=["']({_REMOTE})["'][^>]*>""", re.I)
_IMG_SRC = re.compile(rf"""(<img\b[^>]*?\bsrc=)["']{_REMOTE}["']""", re.I)
_ANCHOR = re.compile(rf"""(<a\b[^>]*?)\s\bhref=["']{_REMOTE}["']""", re.I)
_CSS_URL = re.compile(rf"""url\(\s*["']?{_REMOTE}["']?\s*\)""", re.I)
_CSS_IMPORT = re.compile(rf"""@import\s+(?:url\()?["']?{_REMOTE}["']?\)?[^;]*;""", re.I)
_HEAD_END = re.compile(r"</head>", re.I)
#: a link to the site's own static files, which GX sometimes writes one level too shallow
_LOCAL_STATIC = re.compile(r"""(\b(?:src|href)=["'])(?:\./|(?:\.\./)+)?static/""", re.I)
#: any remaining reference to a remote resource, for checks
_ANY_REMOTE = re.compile(
    rf"""(?:\b(?:src|href)\s*=\s*["']{_REMOTE}|url\(\s*["']?{_REMOTE}|@import\s+["']?{_REMOTE})""",
    re.I,
)

#: remote script → the shipped file that replaces it (others are dropped)
_SCRIPTS: Final = (
    ("jquery", "jquery.min.js"),
    ("bootstrap/4.3.1/js/bootstrap.min.js", "bootstrap.bundle.min.js"),
    ("filter-control/bootstrap-table-filter-control", "bootstrap-table-filter-control.min.js"),
    ("bootstrap-table.min.js", "bootstrap-table.min.js"),
    ("bootstrap-datepicker.min.js", "bootstrap-datepicker.min.js"),
)
#: remote style sheet → the shipped file that replaces it (others are dropped)
_STYLES: Final = (
    ("bootstrap/4.3.1/css/bootstrap.min.css", "bootstrap.min.css"),
    ("bootstrap-table.min.css", "bootstrap-table.min.css"),
    ("bootstrap-datepicker.min.css", "bootstrap-datepicker.min.css"),
)


def copy_assets(site: Path) -> Path:
    """Copy the shipped assets into ``site/static/huimin``; return that directory."""
    target = site / SITE_ASSETS
    target.mkdir(parents=True, exist_ok=True)
    for name in VENDOR_FILES:
        shutil.copyfile(STATIC / name, target / Path(name).name)
    return target


def _prefix(page: Path, site: Path) -> str:
    depth = len(page.relative_to(site).parts) - 1
    return "../" * depth


def _replacement(url: str, table: tuple[tuple[str, str], ...]) -> str | None:
    return next((local for marker, local in table if marker in url), None)


def rewrite_html(text: str, prefix: str) -> str:
    """One page with every remote script, style, image and link made local or dropped."""
    assets = f"{prefix}{SITE_ASSETS}/"

    def script(match: re.Match[str]) -> str:
        local = _replacement(match.group(1), _SCRIPTS)
        return f'<script src="{assets}{local}"></script>' if local else ""

    def link(match: re.Match[str]) -> str:
        local = _replacement(match.group(1), _STYLES)
        return f'<link rel="stylesheet" href="{assets}{local}">' if local else ""

    text = _SCRIPT.sub(script, text)
    text = _LINK.sub(link, text)
    text = _IMG_SRC.sub(lambda m: f'{m.group(1)}"{prefix}{LOGO}"', text)
    text = _ANCHOR.sub(lambda m: m.group(1), text)
    text = _LOCAL_STATIC.sub(lambda m: f"{m.group(1)}{prefix}static/", text)
    text = rewrite_css(text)  # inline <style> blocks
    own = f'<link rel="stylesheet" href="{assets}huimin-offline.css">\n'
    text, found = _HEAD_END.subn(own + "</head>", text, count=1)
    return text if found else own + text


def rewrite_css(text: str) -> str:
    """A style sheet with remote imports dropped and remote ``url()`` set to ``none``."""
    return _CSS_URL.sub("none", _CSS_IMPORT.sub("", text))


def make_offline(site: Path) -> list[str]:
    """Rewrite every HTML and CSS file of ``site`` and copy the assets; the files changed."""
    copy_assets(site)
    changed = []
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix not in (".html", ".css"):
            continue
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        if path.suffix == ".html":
            new = rewrite_html(text, _prefix(path, site))
        else:
            new = rewrite_css(text)
        if new != text:
            path.write_text(new, encoding="utf-8", errors="surrogateescape")
            changed.append(path.relative_to(site).as_posix())
    return changed


def external_references(site: Path) -> list[str]:
    """``file: reference`` for each remote script, style, font, image or link left in the site."""
    out: list[str] = []
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".css", ".js"):
            text = path.read_text(encoding="utf-8", errors="replace")
            rel = path.relative_to(site).as_posix()
            out.extend(f"{rel}: {m.group(0)}" for m in _ANY_REMOTE.finditer(text))
    return out
