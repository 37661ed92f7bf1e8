"""The one resource policy of every WeasyPrint call: nothing from outside.

A record carries its own resources: styles inlined, figures and equations
as inline SVG or ``data:`` URLs.  What WeasyPrint is given to lay out comes
from templates (someone else's input) or, in ``check`` and ``verify``, from
committed outputs and submitted PDFs (anyone's), so every URL it would load
goes through ``LocalOnly``, which serves

- ``data:`` URLs up to DATA_LIMIT bytes, decoded here;
- the ``file:`` URLs of the files it was given (the shipped fonts), exactly;

and refuses everything else — ``http:``, ``https:``, ``ftp:``, any other
file, a larger ``data:`` URL — without touching the network or the disk, and
keeps a list of what it refused, so that the caller can say so.

WeasyPrint's own log lines about such a URL can quote a whole page as a
data URL; ``quiet_log`` keeps each to one short line.
"""
from __future__ import annotations

import base64
import contextlib
import logging
import mimetypes
import urllib.parse
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcherResponse

DATA_LIMIT = 16 * 2**20  # bytes of one data: URL (a record's largest figure is ~200 kB)
SHOWN = 120  # characters of a URL quoted in a message


class Fetcher(Protocol):
    """What ``local_only`` makes: a WeasyPrint URL fetcher (its ``url_fetcher``
    argument) that keeps the URLs it refused, shortened."""
    refused: list[str]

    def fetch(self, url: str,
              headers: dict[str, str] | None = None) -> URLFetcherResponse: ...


def local_only(files: Iterable[str | Path] = ()) -> Fetcher:
    """A WeasyPrint URL fetcher that serves only data: URLs and ``files``."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnly(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.files = {Path(f).resolve() for f in files}
            self.refused: list[str] = []

        def fetch(self, url: str,
                  headers: dict[str, str] | None = None) -> URLFetcherResponse:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                if len(url) <= DATA_LIMIT * 4 // 3 + 1024:
                    media, body = decode_data_url(url)
                    if len(body) <= DATA_LIMIT:
                        return URLFetcherResponse(url[:64], body, {"Content-Type": media})
            elif scheme == "file":
                path = Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path))
                if path.is_absolute() and path.resolve() in self.files:
                    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media})
            self.refused.append(shorten(url))
            raise ValueError(f"not fetched: {shorten(url)} (a record carries its own "
                             "resources)")

    return LocalOnly()


def decode_data_url(url: str) -> tuple[str, bytes]:
    """(media type, bytes) of a ``data:`` URL; ValueError if it is not one."""
    head, comma, payload = url[len("data:"):].partition(",")
    if not comma:
        raise ValueError("a data: URL without a comma")
    parts = head.split(";")
    media = parts[0].strip() or "text/plain"
    if parts[-1].strip().lower() == "base64":
        return media, base64.b64decode(urllib.parse.unquote(payload), validate=False)
    return media, urllib.parse.unquote_to_bytes(payload)


def shorten(url: str) -> str:
    return url if len(url) <= SHOWN else url[:SHOWN - 1] + "…"


class _OneShortLine(logging.Filter):
    """Cuts a log record's message to one line of at most 300 characters."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        line = message.splitlines()[0] if message else message
        if line != message or len(line) > 300:
            record.msg, record.args = (line[:299] + "…") if len(line) > 300 else line, ()
        return True


@contextlib.contextmanager
def quiet_log() -> Iterator[None]:
    """While in the block, WeasyPrint's log lines are each one short line."""
    logger = logging.getLogger("weasyprint")
    short = _OneShortLine()
    logger.addFilter(short)
    try:
        yield
    finally:
        logger.removeFilter(short)
