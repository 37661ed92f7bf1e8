"""Which elements of an SVG drawing changed, and whether each is drawn.

A tolerance forgives a figure whose pixels differ a little.  Pixels cannot
vouch for a change that is not drawn at all (a path with ``fill="none"``,
one under another, an unused ``<defs>`` entry, a comment), so an SVG whose
bytes differ is within a tolerance only if

- its markup is the same apart from numbers inside tags: the same elements,
  attributes, path commands, text and comments;
- its root element is the same (its size and view box);
- every element whose numbers changed is drawn: taking it out of the compared
  file changes that file's picture.

At most MAX_PROBES changed elements are tried one by one; more is never
forgiven.

Not here: rasterising (the caller passes ``render``) or measuring pixels.
"""
from __future__ import annotations

import re

MAX_PROBES = 16
TOKEN = re.compile(r"""<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>"""
                   r"""|<(?:[^<>"']|"[^"]*"|'[^']*')*>""", re.DOTALL)
# Digits inside a name ("loss-m100abc8827", "#e2e2e2") are not a number, but
# in path data a command letter may touch one ("M0 0L60.2 40").
NUMBER = re.compile(r"(?<![\w.#-])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
                    r"(?:px|pt|pc|mm|cm|in|em|ex|rem|deg|%)?(?!\w)")
PATH_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
PATH_DATA = re.compile(r"""(\s(?:d|points)\s*=\s*)("[^"]*"|'[^']*')""")


def hidden_change(old_svg, new_svg, *, render, old_image):
    """Why no pixel tolerance may forgive ``old_svg`` (the compared file) for
    differing from ``new_svg``, or None.  ``render(svg)`` rasterises an SVG
    document; ``old_image`` is ``render(old_svg)``."""
    old, new = tokens(old_svg), tokens(new_svg)
    changed = []
    for i, (a, b) in enumerate(zip(old, new)):
        if a == b:
            continue
        if not _is_start_tag(a) or _without_numbers(a) != _without_numbers(b):
            return f"markup differs beyond numbers: {_short(a)}"
        changed.append(i)
    if len(old) != len(new):
        extra = old[len(new)] if len(old) > len(new) else "(its end)"
        return f"markup differs beyond numbers: {_short(extra)}"
    if changed and changed[0] == _root(old):
        return "size or view box changed"
    if len(changed) > MAX_PROBES:
        return (f"{len(changed)} elements changed, more than the {MAX_PROBES} "
                "checked one by one for being drawn")
    for i in changed:
        without = "".join(old[:i] + old[_end(old, i):])
        if _same_picture(render(without), old_image):
            return f"a changed element is not drawn: {_short(old[i])}"
    return None


def tokens(svg):
    """The SVG's markup (tags, comments, declarations) and the text between,
    in order; joined they give back ``svg``."""
    parts, position = [], 0
    for match in TOKEN.finditer(svg):
        if match.start() > position:
            parts.append(svg[position:match.start()])
        parts.append(match.group())
        position = match.end()
    if position < len(svg):
        parts.append(svg[position:])
    return parts


def _without_numbers(tag):
    tag = PATH_DATA.sub(lambda m: m.group(1) + PATH_NUMBER.sub("0", m.group(2)), tag)
    return NUMBER.sub("0", tag)


def _is_start_tag(token):
    return token.startswith("<") and token[1:2] not in ("/", "!", "?")


def _root(parts):
    return next((i for i, part in enumerate(parts) if _is_start_tag(part)), None)


def _end(parts, start):
    """The index just past the element that starts at ``parts[start]``."""
    if parts[start].endswith("/>"):
        return start + 1
    depth = 0
    for i in range(start, len(parts)):
        if _is_start_tag(parts[i]) and not parts[i].endswith("/>"):
            depth += 1
        elif parts[i].startswith("</"):
            depth -= 1
            if depth == 0:
                return i + 1
    return len(parts)


def _same_picture(a, b):
    return a.shape == b.shape and bool((a == b).all())


def _short(tag):
    tag = " ".join(tag.split())
    return tag if len(tag) <= 70 else tag[:69] + "…"
