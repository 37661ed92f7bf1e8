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

``hidden_content`` counts the other thing a page may hold that a reader
does not see: elements hidden by a ``hidden`` attribute, or by an inline
style or presentation attribute (``display: none``, ``visibility: hidden``,
``opacity: 0``, ``font-size: 0``).  Hiding by a stylesheet's class is not
resolved; any change of markup fails a check anyway.

``malformed`` guards the parsers from hostile markup before they see it:
html.parser and the expat under WeasyPrint take time quadratic in the length
of a tag that never closes, expat expands declared entities, and WeasyPrint
draws nested elements by recursion.  It walks the markup once and names the
first tag, comment or declaration that does not close, any entity
declaration, and (for SVG) nesting deeper than MAX_DEPTH.

Not here: PDF (see report.compare.pdfscan).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
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
VOID_ELEMENTS = frozenset("""area base br col embed hr img input link meta param source
                             track wbr""".split())
_HIDING = {"display": ("none",), "visibility": ("hidden", "collapse")}
_ZERO = ("opacity", "font-size")
MAX_DEPTH = 200  # of nested elements in an SVG; a figure's are under 20


def active_content(text: str) -> Counter[str]:
    """Counter of labelled active or foreign content in the markup ``text``."""
    return scan(text)[0]


def hidden_content(text: str) -> Counter[str]:
    """Counter of the elements of the markup ``text`` that hide what they
    hold, labelled as written: ``<div hidden>``, ``<p style="display:none">``."""
    return scan(text)[1]


def scan(text: str) -> tuple[Counter[str], Counter[str]]:
    """(active_content, hidden_content) of the markup ``text``, in one pass."""
    scanner = _Scanner()
    scanner.feed(text)
    scanner.close()
    return scanner.found, scanner.hidden


def hiding(tag: str, attrs: Iterable[tuple[str, str | None]]) -> str | None:
    """How the element ``<tag attrs>`` hides what it holds, as a label, or
    None if it does not.  ``attrs``: (name, value) pairs as HTMLParser gives."""
    tag = _local(tag)[:20]
    for name, value in attrs:
        name, value = _local(name), (value or "").strip().lower()[:40]
        if name == "hidden":
            return f"<{tag} hidden>"
        if name == "style":
            declaration = _hiding_declaration(value)
            if declaration:
                return f'<{tag} style="{declaration}">'
        elif _hides(name, value):
            return f'<{tag} {name}="{value}">'
    return None


def _hiding_declaration(style: str) -> str | None:
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.replace("!important", "").strip()
        if _hides(name, value):
            return f"{name}:{value}"
    return None


def _hides(name: str, value: str) -> bool:
    if name in _HIDING:
        return value in _HIDING[name]
    if name in _ZERO:
        number = re.match(r"[-+]?(?:\d+\.?\d*|\.\d+)", value)
        return number is not None and float(number.group()) == 0
    return False


def added(old: Iterable[str], fresh: Iterable[str]) -> list[str]:
    """Labels ``old`` has more of than ``fresh``, each once, with a count
    when it is more than one: ``["<script>", "onload= (2)"]``."""
    extra = Counter(old) - Counter(fresh)
    return [label if n == 1 else f"{label} ({n})" for label, n in extra.items()]


def is_external(reference: str) -> bool:
    """A reference that leaves the document: anything but ``#…``, ``data:…``
    or nothing."""
    reference = reference.strip()
    return bool(reference) and not reference.startswith("#") \
        and not reference.lower().startswith("data:")


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: Counter[str] = Counter()
        self.hidden: Counter[str] = Counter()
        self.in_style = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        hides = hiding(tag, attrs)
        if hides:
            self.hidden[hides] += 1
        tag = _local(tag)
        if tag in FOREIGN_ELEMENTS:
            self.found[f"<{_SPELLING.get(tag, tag)}>"] += 1
        if tag == "style":
            self.in_style += 1
        for name, value in attrs:
            self._attribute(tag, _local(name), value or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if _local(tag) == "style":
            self.in_style -= 1

    def handle_endtag(self, tag: str) -> None:
        if _local(tag) == "style" and self.in_style:
            self.in_style -= 1

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self._css(data)

    def _attribute(self, tag: str, name: str, value: str) -> None:
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

    def _css(self, css: str) -> None:
        for match in _CSS_URL.finditer(css):
            url = match.group("url") if match.group("imp") is None else match.group("imp")[1:-1]
            if match.group("imp") is not None or is_external(url):
                self.found[f"external reference {url.strip()[:80]}"] += 1


def _local(name: str) -> str:
    """A tag or attribute name without its namespace prefix, lower case."""
    return name.rsplit(":", 1)[-1].lower()


# --- markup that closes: a bound on the parsers' work ----------------------------------------

_NAME = r"[^\s/>\"'=]++"
_VALUE = r"""(?:"[^"]*+"|'[^']*+'|[^\s"'>]*+)"""
_START_TAG = re.compile(rf"<[A-Za-z][^\s/>]*+(?:[\s/]++{_NAME}(?:\s*+=\s*+{_VALUE})?+)*+[\s/]*+>")
# XML is stricter, and so is this: quotes only around values, as
# report.compare.svgdiff's tokens expect.
_XML_NAME = r"[A-Za-z_:][-\w.:]*+"
_XML_START_TAG = re.compile(
    rf"""<{_XML_NAME}(?:\s++{_XML_NAME}\s*+=\s*+(?:"[^"<]*+"|'[^'<]*+'))*+\s*+/?>""")
_XML_END_TAG = re.compile(rf"</{_XML_NAME}\s*+>")
_HTML_CLOSE = {"<!--": re.compile(r"--\s*>"), "<![CDATA[": re.compile(r"]]>")}
_XML_CLOSE = {"<!--": re.compile(r"-->"), "<![CDATA[": re.compile(r"]]>"),
              "<?": re.compile(r"\?>")}
_RAW_TEXT = ("script", "style")  # read to their end tag by html.parser
_DTD = ("ENTITY", "ELEMENT", "ATTLIST", "NOTATION")


def malformed(text: str, *, xml: bool = False) -> str | None:
    """Why the markup ``text`` is not given to a parser, or None: a tag,
    comment or declaration that does not close, an entity declaration or a
    document type with its own declarations; with ``xml`` (an SVG) also a
    ``<`` that starts nothing, and elements nested deeper than MAX_DEPTH.
    Linear in the text's length."""
    position, depth, lowered = 0, 0, None
    closing = _XML_CLOSE if xml else _HTML_CLOSE
    while True:
        start = text.find("<", position)
        if start < 0:
            return None
        where = f", at character {start}"
        opening = next((o for o in closing if text.startswith(o, start)), None)
        if opening:
            match = closing[opening].search(text, start + len(opening))
            if not match:
                return f"a {_CONSTRUCTS[opening]} that does not close{where}"
            position = match.end()
            continue
        follows = text[start + 1:start + 2]
        if follows.isascii() and follows.isalpha():
            match = (_XML_START_TAG if xml else _START_TAG).match(text, start)
            if not match:
                return f"a tag that does not close{where}"
            position = match.end()
            if xml and not text.endswith("/>", 0, position):
                depth += 1
                if depth > MAX_DEPTH:
                    return f"elements nested more than {MAX_DEPTH} deep"
            name = text[start + 1:position].split(None, 1)[0].rstrip("/>").lower()
            if not xml and name in _RAW_TEXT:
                lowered = lowered if lowered is not None else text.lower()
                end = lowered.find(f"</{name}", position)
                if end < 0:
                    return f"a <{name}> that does not close{where}"
                position = end
            continue
        if xml and follows == "/":
            match = _XML_END_TAG.match(text, start)
            if not match:
                return f"an end tag that does not close{where}"
            depth -= 1
            position = match.end()
            continue
        if follows in ("!", "?", "/"):
            end = text.find(">", start + 2)
            if end < 0:
                return f"a {_CONSTRUCTS[follows]} that does not close{where}"
            declaration = text[start:end]
            if follows == "!" and ("[" in declaration or "<" in declaration[1:]
                                   or declaration[2:].lstrip().upper().startswith(_DTD)):
                return f"a declaration of entities, or of a document type's own{where}"
            position = end + 1
            continue
        if xml:
            return f"a < that starts no tag{where}"
        position = start + 1  # a "<" that starts nothing is text


_CONSTRUCTS = {"<!--": "comment", "<![CDATA[": "CDATA section", "<?": "processing instruction",
               "!": "declaration", "?": "processing instruction", "/": "end tag"}
