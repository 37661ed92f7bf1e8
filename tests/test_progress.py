"""Progress on stderr: silent for short work, then a line now and then."""
from __future__ import annotations

import io

import pytest

from report.pipeline.progress import Progress


class FakeClock:
    """A clock that moves only when the test says so."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def clock():
    return FakeClock()


def test_work_that_ends_within_the_delay_prints_nothing(clock):
    stream = io.StringIO()
    progress = Progress(stream=stream, delay=1.0, clock=clock)
    for done in range(1, 11):
        clock.advance(0.09)
        progress("training", done, 10)
    progress.finish()
    assert stream.getvalue() == ""


def test_after_the_delay_a_line_names_the_stage_the_count_and_the_detail(clock):
    stream = io.StringIO()
    progress = Progress(stream=stream, delay=1.0, clock=clock)
    clock.advance(1.5)
    progress("training", 250, 5000, "loss 0.123456")
    assert stream.getvalue() == "training: 250/5000 (loss 0.123456)\n"


def test_a_line_without_detail_has_no_parentheses(clock):
    stream = io.StringIO()
    progress = Progress(stream=stream, delay=0.0, clock=clock)
    progress("rendering", 1, 3)
    assert stream.getvalue() == "rendering: 1/3\n"


def test_off_a_terminal_lines_come_every_five_seconds_and_at_the_end(clock):
    stream = io.StringIO()
    progress = Progress(stream=stream, delay=1.0, clock=clock)
    for seconds, done in [(1.5, 1), (2.0, 2), (2.9, 3), (0.6, 4), (0.1, 10)]:
        clock.advance(seconds)
        progress("training", done, 10)
    # t = 1.5 shown; 3.5 and 6.4 too soon; 7.0 is 5.5 s later; the last one always.
    assert stream.getvalue().splitlines() == [
        "training: 1/10", "training: 4/10", "training: 10/10"]


def test_quiet_prints_nothing_however_long_the_work(clock):
    stream = io.StringIO()
    progress = Progress(quiet=True, stream=stream, delay=1.0, clock=clock)
    for done in range(1, 6):
        clock.advance(10.0)
        progress("training", done, 5)
    progress.note("results from the cache")
    progress.finish()
    assert stream.getvalue() == ""


def test_on_a_terminal_one_line_is_rewritten_in_place_and_cleared_at_the_end(clock):
    stream = Terminal()
    progress = Progress(stream=stream, delay=1.0, clock=clock)
    clock.advance(2.0)
    progress("training", 1, 2)
    clock.advance(0.2)
    progress("training", 2, 2)
    progress.finish()
    assert stream.getvalue() == (
        "\r\033[Ktraining: 1/2" "\r\033[Ktraining: 2/2" "\r\033[K")


def test_finish_writes_nothing_when_nothing_was_shown(clock):
    stream = Terminal()
    Progress(stream=stream, delay=1.0, clock=clock).finish()
    assert stream.getvalue() == ""


def test_a_note_is_printed_on_its_own_line_at_once(clock):
    stream = Terminal()
    progress = Progress(stream=stream, delay=1.0, clock=clock)
    clock.advance(2.0)
    progress("training", 1, 2)
    progress.note("results from the cache")
    assert stream.getvalue().endswith("\r\033[Kresults from the cache\n")


def test_by_default_progress_goes_to_stderr_not_stdout(clock, capsys):
    progress = Progress(delay=1.0, clock=clock)
    clock.advance(2.0)
    progress("training", 1, 2)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "training: 1/2\n"


def test_a_new_stage_is_shown_at_once_even_between_spaced_out_lines(clock):
    stream = io.StringIO()
    progress = Progress(stream=stream, delay=1.0, clock=clock)
    clock.advance(2.0)
    progress("training", 10, 100)
    clock.advance(0.5)
    progress("training", 20, 100)  # too soon after the last line: skipped
    progress("rendering the PDF")  # a stage without a count: shown
    assert stream.getvalue().splitlines() == ["training: 10/100", "rendering the PDF"]
