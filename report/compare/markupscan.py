"""Active and foreign content in an HTML page or an SVG drawing.

A report is a document, not a program: what a browser would run or fetch is
never a rendering difference, whatever it looks like.  ``active_content``
counts, by a label a reader can act on:

- ``<script>`` elements, and ``<iframe>``, ``<object>``, ``<embed>``,
  ``<foreignObject>``, ``<frame>``, ``<applet>``, ``<base>``;
- event attributes (``onload=``, any ``on*=``) and ``<meta http-equiv>``;
- ``javascript:`` and ``vbscript:`` URLs in any attribute (after dropping the
  blanks and control characters a browser ignores in a scheme);
- external references: ``href``, ``src`` and the like, and CSS ``url()`` and
  ``@import``, pointing anywhere but into the document (``#…``) or at
  inline data (``data:…``).

Tags and attributes are read case-insensitively and without namespace
prefixes (``svg:script``, ``xlink:href``).  The caller compares the counts
with a fresh build's, so content the build itself writes stays fine.

Not here: PDF (see report.compare.pdfscan).
"""
from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

FOREIGN_ELEMENTS = frozenset(("script", "iframe", "object", "embed", "foreignobject",
                              "frame", "frameset", "applet", "base"))
REFERENCE_ATTRIBUTES = frozenset(("href", "src", "srcset", "action", "formaction", "data",
                                  "poster", "background", "lowsrc", "cite", "longdesc",
                                  "usemap", "codebase", "manifest", "ping", "archive"))
_SCRIPT_URL = re.compile(r"^(?:javascript|vbscript|livescript):")
_CSS_URL = re.compile(r"""url\(\s*(?P<q>["']?)(?P<url>.*?)(?P=q)\s*\)|@import\s+(?P<imp>["'][^"']*["'])""",
                      re.IGNORECASE | re.DOTALL)
_SPELLING = {"foreignobject": "foreignObject"}  # as SVG writes it; HTMLParser lowers case
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def active_content(text):
    """Counter of labelled active or foreign content in the markup ``text``."""
    scanner = _Scanner()
    scanner.feed(text)
    scanner.close()
    return scanner.found


def added(old, fresh):
    """Labels ``old`` has more of than ``fresh``, each once, with a count
    when it is more than one: ``["<script>", "onload= (2)"]``."""
    extra = Counter(old) - Counter(fresh)
    return [label if n == 1 else f"{label} ({n})" for label, n in extra.items()]


def is_external(reference):
    """A reference that leaves the document: anything but ``#…``, ``data:…``
    or nothing."""
    reference = reference.strip()
    return bool(reference) and not reference.startswith("#") \
        and not reference.lower().startswith("data:")


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = Counter()
        self.in_style = 0

    def handle_starttag(self, tag, attrs):
        tag = _local(tag)
        if tag in FOREIGN_ELEMENTS:
            self.found[f"<{_SPELLING.get(tag, tag)}>"] += 1
        if tag == "style":
            self.in_style += 1
        for name, value in attrs:
            self._attribute(tag, _local(name), value or "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if _local(tag) == "style":
            self.in_style -= 1

    def handle_endtag(self, tag):
        if _local(tag) == "style" and self.in_style:
            self.in_style -= 1

    def handle_data(self, data):
        if self.in_style:
            self._css(data)

    def _attribute(self, tag, name, value):
        if name.startswith("on"):
            self.found[f"{name}="] += 1
        if tag == "meta" and name == "http-equiv":
            self.found[f"<meta http-equiv={value.strip().lower()}>"] += 1
        script = _SCRIPT_URL.match(_IGNORED_IN_SCHEME.sub("", value).lower())
        if script:
            self.found[f"{script.group()} URL"] += 1
        elif name in REFERENCE_ATTRIBUTES and is_external(value):
            self.found[f"external reference {value.strip()[:80]}"] += 1
        if name == "style":
            self._css(value)

    def _css(self, css):
        for match in _CSS_URL.finditer(css):
            url = match.group("url") if match.group("imp") is None else match.group("imp")[1:-1]
            if match.group("imp") is not None or is_external(url):
                self.found[f"external reference {url.strip()[:80]}"] += 1


def _local(name):
    """A tag or attribute name without its namespace prefix, lower case."""
    return name.rsplit(":", 1)[-1].lower()
