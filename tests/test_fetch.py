"""Nothing from outside: every WeasyPrint call serves data: URLs and the
shipped fonts only.  A template that refers to a URL or a local file is
refused in one line, and no request leaves the machine; a committed SVG that
does is named by check, which fetches nothing either.  Tested against a
local HTTP server, never the internet."""
from __future__ import annotations

import http.server
import shutil
import threading

import pytest

from conftest import invoke
from report.render.fetch import decode_data_url, local_only
from report.render.pdf import html_to_pdf

QUICK = ["--set", "studies=none", "--set", "epochs=20", "--set", "print_every=10",
         "--set", "repeats=1"]


@pytest.fixture
def server():
    """A local HTTP server; its ``requests`` lists every path asked for."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.requests = requests
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()


def page(body):
    return f"<!doctype html><html lang=en><head><title>t</title></head><body>{body}</body></html>"


@pytest.mark.parametrize("reference", [
    '<img src="{url}/image.png" alt="">',
    '<link rel="stylesheet" href="{url}/style.css">',
    '<style>@import url("{url}/imported.css");</style>',
    '<style>p {{ background: url("{url}/back.png") }}</style><p>x</p>',
    '<a rel="attachment" href="{url}/secret.txt">a</a>',
])
def test_a_page_that_refers_to_a_url_is_refused_and_nothing_is_fetched(server, reference):
    with pytest.raises(Exception) as refused:
        html_to_pdf(page(reference.format(url=server.url)))
    assert "outside resource" in str(refused.value) and server.url in str(refused.value)
    assert server.requests == []


@pytest.mark.parametrize("reference", [
    '<a rel="attachment" href="file:///etc/hostname">a</a>',
    '<img src="file:///etc/hostname" alt="">',
    '<img src="file://{fonts}/../render/pdf.py" alt="">',
])
def test_a_page_that_refers_to_a_local_file_is_refused(reference):
    from report.render.pdf import FONT_FOLDER

    with pytest.raises(Exception) as refused:
        html_to_pdf(page(reference.format(fonts=FONT_FOLDER)))
    assert "outside resource" in str(refused.value)


def test_data_urls_and_the_shipped_fonts_are_served():
    fetcher = local_only(files=[])
    served = fetcher("data:text/plain;base64,aGVsbG8=")
    assert served.read() == b"hello"
    assert decode_data_url("data:,a%20b") == ("text/plain", b"a b")
    with pytest.raises(ValueError):
        fetcher("https://example.org/")
    assert fetcher.refused == ["https://example.org/"]


def test_a_build_whose_template_fetches_is_a_one_line_error(server, tmp_path):
    from report.render.html import templates_dir

    mine = tmp_path / "templates"
    mine.mkdir()
    text = (templates_dir() / "exp6.html.j2").read_text(encoding="utf-8")
    (mine / "exp6.html.j2").write_text(text.replace(
        "<h2>Aim</h2>", f'<h2>Aim</h2><img src="{server.url}/tracker.png" alt="">', 1),
        encoding="utf-8")
    result = invoke("build", "exp6", "--out", str(tmp_path / "out"), "-q", *QUICK,
                    "--templates", str(mine), env={"LABREPORT_CACHE": str(tmp_path / "c")})
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "outside resource" in result.stderr
    assert server.requests == [] and not (tmp_path / "out" / "exp6").exists()


@pytest.fixture(scope="module")
def committed(tmp_path_factory):
    out = tmp_path_factory.mktemp("committed")
    result = invoke("build", "exp6", "--out", str(out), "-q", *QUICK,
                    env={"LABREPORT_CACHE": str(out / ".cache")})
    assert result.exit_code == 0, result.stderr
    return out / "exp6"


@pytest.mark.parametrize("plant", [
    '<image href="{url}/x.png" width="10" height="10"/>',
    '<style>@import url("{url}/x.css");</style>',
])
def test_check_names_a_url_in_a_committed_svg_and_fetches_nothing(committed, server,
                                                                  tmp_path, plant):
    outputs = tmp_path / "exp6"
    shutil.copytree(committed, outputs)
    svg = outputs / "training.svg"
    text = svg.read_text(encoding="utf-8")
    svg.write_text(text.replace("</svg>", plant.format(url=server.url) + "</svg>", 1),
                   encoding="utf-8")
    result = invoke("check", "exp6", "--against", str(outputs), "-q", "--rtol", "1e-6")
    assert result.exit_code == 1
    assert "training.svg: changed" in result.stdout
    assert server.requests == []
    assert max(len(line) for line in (result.stdout + result.stderr).splitlines()) < 2000
