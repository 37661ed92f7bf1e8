"""report.compare.markupscan counts what a browser would run or fetch in HTML or SVG,
however it is written."""
import pytest

from report.compare.markupscan import active_content, added


def test_a_figure_and_a_page_as_labreport_writes_them_hold_nothing_active():
    page = ('<html><head><style>p { color: #222 } .f { fill: url(#grad) }</style></head>'
            '<body><a href="#aim">Aim</a><img src="data:image/png;base64,AAAA">'
            '<svg><use xlink:href="#glyph-1"/><path clip-path="url(#clip)"/></svg></body></html>')
    assert active_content(page) == {}


@pytest.mark.parametrize("markup, label", [
    ("<script>fetch('x')</script>", "<script>"),
    ("<svg:script>x()</svg:script>", "<script>"),
    ("<SCRIPT SRC='x.js'></SCRIPT>", "<script>"),
    ("<svg onload='x()'/>", "onload="),
    ("<a href='JavaScript:x()'>", "javascript: URL"),
    ("<a href=' java\tscript:x()'>", "javascript: URL"),
    ("<a href='&#106;avascript:x()'>", "javascript: URL"),
    ("<set attributeName='href' to='javascript:x()'/>", "javascript: URL"),
    ("<iframe src='data:text/html,x'></iframe>", "<iframe>"),
    ("<object data='x.swf'></object>", "<object>"),
    ("<embed src='x.swf'>", "<embed>"),
    ("<foreignObject><p>x</p></foreignObject>", "<foreignObject>"),
    ("<image href='https://example.org/x.png'/>", "external reference https://example.org/x.png"),
    ("<use xlink:href='other.svg#a'/>", "external reference other.svg#a"),
    ("<img src='//example.org/x.png'>", "external reference //example.org/x.png"),
    ("<img src='file:///etc/passwd'>", "external reference file:///etc/passwd"),
    ("<p style='background: url(\"http://example.org/x\")'>", "external reference http://example.org/x"),
    ("<style>@import 'x.css';</style>", "external reference x.css"),
    ("<meta http-equiv='refresh' content='0; url=x'>", "<meta http-equiv=refresh>"),
])
def test_each_kind_of_active_or_foreign_content_is_found(markup, label):
    assert label in active_content(f"<html><body>{markup}</body></html>")


def test_only_what_the_fresh_build_lacks_is_added():
    fresh = active_content("<script>a()</script><a href='https://example.org'>x</a>")
    old = active_content("<script>a()</script><script>b()</script>"
                         "<a href='https://example.org'>x</a><a href='https://other.org'>y</a>")
    assert added(old, fresh) == ["<script>", "external reference https://other.org"]
    assert added(active_content("<p onclick=a() onclick=b()>"), {}) == ["onclick= (2)"]
