"""Writing outputs never loses what the user had: all-or-nothing swaps, the
user's own files kept, leftovers of killed builds cleaned up."""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from report.pipeline.outputs import (MANIFEST, OutputFolderError, read_manifest, usable_target,
                            write_outputs)


def listing(directory):
    return {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}


def test_a_build_writes_its_files_and_a_manifest_of_them(tmp_path):
    target = write_outputs(tmp_path / "exp6", {"a.csv": b"1\n", "b.svg": b"<svg/>"})
    assert listing(target) == {"a.csv": b"1\n", "b.svg": b"<svg/>",
                               MANIFEST: b"a.csv\nb.svg\n"}
    assert read_manifest(target) == {"a.csv", "b.svg"}


def test_files_the_user_put_beside_the_outputs_survive_a_rebuild(tmp_path):
    target = write_outputs(tmp_path / "exp6", {"a.csv": b"old", "gone.svg": b"x"})
    (target / "notes.md").write_text("my notes")
    (target / "drafts").mkdir()
    (target / "drafts" / "v1.txt").write_text("draft")
    write_outputs(target, {"a.csv": b"new"})
    assert (target / "a.csv").read_bytes() == b"new"
    assert (target / "notes.md").read_text() == "my notes"
    assert (target / "drafts" / "v1.txt").read_text() == "draft"
    assert not (target / "gone.svg").exists(), "a file labreport wrote before is its own"


def test_nothing_is_left_beside_the_target_after_a_build(tmp_path):
    write_outputs(tmp_path / "exp6", {"a": b"1"})
    write_outputs(tmp_path / "exp6", {"a": b"2"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [".exp6.lock", "exp6"]


@pytest.mark.parametrize("name", ["../escape", "sub/file", "", MANIFEST])
def test_an_output_name_that_is_not_a_plain_file_name_is_refused(tmp_path, name):
    with pytest.raises(ValueError, match="plain file name"):
        write_outputs(tmp_path / "exp6", {name: b"x"})
    assert not (tmp_path / "exp6").exists()


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from report.pipeline import outputs
    real = Path.write_bytes
    def slow(self, data):
        real(self, data)
        time.sleep(0.3)  # long enough to be killed half-way through the files
    Path.write_bytes = slow
    outputs.write_outputs(Path(sys.argv[1]), {f"f{i}.txt": b"new" for i in range(20)})
""")


def test_a_build_killed_half_way_leaves_the_previous_outputs_intact(tmp_path):
    target = write_outputs(tmp_path / "exp6", {f"f{i}.txt": b"old" for i in range(20)})
    (target / "notes.md").write_text("mine")
    before = listing(target)
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)])
    deadline = time.monotonic() + 20
    while not any(p.name.startswith(".exp6.labreport-tmp-") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline, "the writer never started"
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert listing(target) == before

    write_outputs(target, {"f0.txt": b"again"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [".exp6.lock", "exp6"]
    assert (target / "notes.md").read_text() == "mine"


def test_an_error_while_writing_leaves_the_previous_outputs_intact(tmp_path, monkeypatch):
    target = write_outputs(tmp_path / "exp6", {"a": b"old", "b": b"old"})
    before = listing(target)
    calls = []

    def failing(self, data):
        calls.append(self.name)
        if len(calls) == 2:
            raise OSError("disk full")
        return self.open("wb").write(data)

    monkeypatch.setattr(type(target), "write_bytes", failing)
    with pytest.raises(OSError, match="disk full"):
        write_outputs(target, {"a": b"new", "b": b"new"})
    assert listing(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".exp6.lock", "exp6"]


def test_concurrent_builds_into_one_folder_leave_one_of_them_whole(tmp_path):
    target = tmp_path / "exp6"
    versions = [{f"f{i}": bytes([v]) * 1000 for i in range(30)} for v in range(6)]
    threads = [threading.Thread(target=write_outputs, args=(target, files))
               for files in versions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    written = {k: v for k, v in listing(target).items() if k != MANIFEST}
    assert written in versions


def test_a_file_where_the_output_folder_should_be_is_left_alone(tmp_path):
    target = tmp_path / "exp6"
    target.write_text("the user's file")
    with pytest.raises(OutputFolderError, match="a file is in the way"):
        write_outputs(target, {"a": b"1"})
    assert target.read_text() == "the user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp6"]


# --- killed builds, links, permissions ---------------------------------------------

KILL_AT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from report.pipeline import outputs
    point, count = sys.argv[2], 0
    real_write, real_swap = Path.write_bytes, outputs._swap
    def write_bytes(self, data):
        global count
        count += 1
        if point == f"file {count}":
            os.kill(os.getpid(), signal.SIGKILL)
        return real_write(self, data)
    def swap(staging, target):
        if point == "before swap":
            os.kill(os.getpid(), signal.SIGKILL)
        real_swap(staging, target)
        if point == "after swap":
            os.kill(os.getpid(), signal.SIGKILL)
    Path.write_bytes, outputs._swap = write_bytes, swap
    files = {f"study-{i}.svg": b"killed build" for i in range(7)}
    files["report.pdf"] = b"killed build"
    outputs.write_outputs(Path(sys.argv[1]), files)
""")


@pytest.mark.parametrize("sequence", [
    ["file 1"], ["file 4"], ["before swap"], ["after swap"],
    ["file 3", "after swap", "file 6"], ["before swap", "before swap"],
])
def test_after_killed_and_successful_builds_the_folder_holds_the_last_build_and_the_users_files(
        tmp_path, sequence):
    target = write_outputs(tmp_path / "exp6", {"report.pdf": b"first", "old.svg": b"first"})
    (target / "notes.md").write_text("mine")
    for point in sequence:
        killed = subprocess.run([sys.executable, "-c", KILL_AT, str(target), point])
        assert killed.returncode == -signal.SIGKILL
    write_outputs(target, {"report.pdf": b"last", "log.csv": b"last"})
    assert listing(target) == {"report.pdf": b"last", "log.csv": b"last",
                               "notes.md": b"mine", MANIFEST: b"log.csv\nreport.pdf\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".exp6.lock", "exp6"]


def test_a_new_folder_gets_the_umasks_permissions_as_mkdir_gives(tmp_path):
    old = os.umask(0o022)
    try:
        target = write_outputs(tmp_path / "exp6", {"a": b"1"})
        assert stat.S_IMODE(target.stat().st_mode) == 0o755
        os.chmod(target, 0o750)  # the user's choice survives a rebuild
        write_outputs(target, {"a": b"2"})
        assert stat.S_IMODE(target.stat().st_mode) == 0o750
    finally:
        os.umask(old)


def test_a_linked_output_folder_is_followed_and_the_link_kept(tmp_path):
    real = write_outputs(tmp_path / "shared" / "exp6", {"a": b"old"})
    (real / "notes.md").write_text("mine")
    link = tmp_path / "exp6"
    link.symlink_to(real)
    assert write_outputs(link, {"a": b"new"}) == real
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert listing(real) == {"a": b"new", "notes.md": b"mine", MANIFEST: b"a\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp6", "shared"]
    assert sorted(p.name for p in real.parent.iterdir()) == [".exp6.lock", "exp6"]


def test_a_link_to_nowhere_is_refused_and_left_alone(tmp_path):
    link = tmp_path / "exp6"
    link.symlink_to(tmp_path / "missing")
    with pytest.raises(OutputFolderError, match="link to"):
        write_outputs(link, {"a": b"1"})
    assert link.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == ["exp6"]


def test_a_read_only_folder_is_refused_before_anything_is_written(tmp_path):
    target = write_outputs(tmp_path / "exp6", {"a": b"old"})
    os.chmod(target, 0o555)
    try:
        with pytest.raises(OutputFolderError, match="read-only"):
            write_outputs(target, {"a": b"new"})
        assert (target / "a").read_bytes() == b"old"
        assert sorted(p.name for p in tmp_path.iterdir()) == [".exp6.lock", "exp6"]
    finally:
        os.chmod(target, 0o755)


@pytest.mark.parametrize("out", ["", "."])
def test_a_target_that_is_no_folder_name_is_refused(out):
    with pytest.raises(OutputFolderError):
        usable_target(out)
