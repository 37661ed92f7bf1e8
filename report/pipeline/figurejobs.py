"""Figures rendered in worker processes while the page itself is rendered.

Each figure is a matplotlib drawing of a few hundred milliseconds, and the
page's equations keep the main process busy meanwhile; so the page is first
rendered with a placeholder where each figure goes, and the SVGs, from the
cache or from the workers, are put in their places at the end.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypedDict, cast

from markupsafe import Markup

from report.pipeline import interrupt
from report.pipeline.cache import Cache, Deferred, inert_svg
from report.pipeline.pool import Workers

if TYPE_CHECKING:
    from report.experiment.contract import Figure
    from report.render.figures import FigureSpec

    class Drawn(FigureSpec, total=False):
        """A Figure whose "alt" is words (see ``_with_alt_text``): the spec
        render_figure reads, and its caption."""
        caption: str

WORKERS = 2
IS_SVG = inert_svg  # checks a figure from the cache, or before it is cached


class Placed(TypedDict):
    """A figure as the template sees it (see ``FigureJobs.for_template``)."""
    number: int
    caption: str
    svg: Markup
    file: str


def _render(spec: Drawn) -> str:
    from report.render.figures import render_figure

    return render_figure(spec)


def _with_alt_text(spec: Figure) -> Drawn:
    """``spec`` with its "alt" as text: an experiment may give it as words
    with numbers, {"pattern", "values"}, formatted in the report's style."""
    alt = spec.get("alt")
    if isinstance(alt, dict):
        from report.render.numbers import filled

        return {**spec, "alt": filled(alt["pattern"], alt["values"])}
    return cast("Drawn", spec)  # its alt is words already, or absent


def _placeholder(figure_id: str) -> str:
    return f"<!--labreport-figure:{figure_id}-->"


class FigureJobs:
    """Start rendering ``specs`` (each with an ``id``); ``key(spec)`` is the
    cache key of a spec's SVG in ``cache``.  Use it as a context manager, so
    that an error before ``finish`` stops the workers."""

    svgs: dict[str, str]
    futures: dict[str, tuple[Drawn, Future[str]]]
    pool: Workers | None

    def __init__(self, specs: Iterable[Figure], cache: Cache | Deferred,
                 key: Callable[[Drawn], str]) -> None:
        drawn = [_with_alt_text(spec) for spec in specs]
        self.specs, self.cache, self.key = drawn, cache, key
        self.svgs, self.futures, self.pool = {}, {}, None
        missing = []
        for spec in drawn:
            svg = cache.get("figure", key(spec), validate=IS_SVG)
            if svg is None:
                missing.append(spec)
            else:
                self.svgs[spec["id"]] = svg
        if missing:  # even one: it draws while this process typesets the page
            self.pool = Workers(min(WORKERS, len(missing)))
            self.futures = {s["id"]: (s, self.pool.submit(_render, s)) for s in missing}
        self.all_cached = not missing

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        """Leaving on an error or Ctrl-C stops the workers at once."""
        if kind is not None and self.pool is not None:
            self.pool.kill()

    def _store(self, spec: Drawn, svg: str) -> None:
        interrupt.check()  # a figure drawn while a signal arrived is not kept
        self.cache.put("figure", self.key(spec), svg, validate=IS_SVG)
        self.svgs[spec["id"]] = svg

    def for_template(self) -> dict[str, Placed]:
        """{id: number, caption, svg (a placeholder for now), file}, numbered
        in the order given."""
        return {spec["id"]: {"number": n, "caption": spec.get("caption", ""),
                             "svg": Markup(_placeholder(spec["id"])),
                             "file": f"{spec['id']}.svg"}
                for n, spec in enumerate(self.specs, start=1)}

    def finish(self, html: str) -> tuple[str, dict[str, bytes]]:
        """(html with every figure in place, {file name: SVG bytes})."""
        for spec, future in self.futures.values():
            self._store(spec, future.result())
        if self.pool is not None:
            self.pool.close()
        for figure_id, svg in self.svgs.items():
            html = html.replace(_placeholder(figure_id), svg)
        files = {f"{spec['id']}.svg": self.svgs[spec["id"]].encode("utf-8")
                 for spec in self.specs}
        return html, files
