"""report.compare.svgdiff: a change a pixel tolerance may forgive is one the pixels
show; anything else in an SVG is named."""
import pytest

from report.compare import raster
from report.compare.svgdiff import MAX_PROBES, hidden_change, tokens

FIGURE = """<svg xmlns="http://www.w3.org/2000/svg" width="80pt" height="60pt" viewBox="0 0 80 60">
<defs><path id="tick" d="M 0 0 L 0 3.5" stroke="#000"/><path id="unused" d="M 0 0 L 9 9"/></defs>
<path d="M 0 60 L 80 60 L 80 0 L 0 0 z" fill="none"/>
<path d="M 5 55 L 40 20 L 75 10" stroke="#0072b2" fill="none"/>
<use href="#tick" x="5" y="55"/>
<!-- drawn by hand -->
</svg>"""


def why(old):
    return hidden_change(old, FIGURE, render=raster.svg_image, old_image=raster.svg_image(old))


def test_tokens_give_back_the_document():
    assert "".join(tokens(FIGURE)) == FIGURE


def test_a_moved_line_that_is_drawn_may_be_forgiven():
    assert why(FIGURE.replace("L 40 20", "L 40.3 20")) is None
    assert why(FIGURE.replace('x="5" y="55"', 'x="5.2" y="55"')) is None  # via <use>


@pytest.mark.parametrize("edit, reason", [
    (("M 0 60 L 80 60", "M 0 60 L 70 60"), "a changed element is not drawn: <path d=\"M 0 60"),
    (("M 0 0 L 9 9", "M 0 0 L 19 9"), "a changed element is not drawn: <path id=\"unused\""),
    (("drawn by hand", "drawn by hand 2"), "markup differs beyond numbers: <!-- drawn by hand 2 -->"),
    (('stroke="#0072b2"', 'stroke="#0072b3"'), "markup differs beyond numbers: <path d=\"M 5 55"),
    (("L 75 10", "L 75 10 L 76 10"), "markup differs beyond numbers: <path d=\"M 5 55"),
    (('height="60pt"', 'height="61pt"'), "size or view box changed"),
    (("</svg>", "<g/></svg>"), "markup differs beyond numbers: <g/>"),
])
def test_a_change_the_pixels_cannot_vouch_for_is_named(edit, reason):
    assert why(FIGURE.replace(*edit)).startswith(reason)


def test_too_many_changed_elements_are_not_checked_one_by_one():
    many = FIGURE.replace("</svg>", '<use href="#tick" x="1" y="1"/>\n' * (MAX_PROBES + 1)
                          + "</svg>")
    moved = many.replace('x="1" y="1"', 'x="1" y="2"')
    reason = hidden_change(moved, many, render=raster.svg_image,
                           old_image=raster.svg_image(moved))
    assert reason == (f"{MAX_PROBES + 1} elements changed, more than the {MAX_PROBES} "
                      "checked one by one for being drawn")
