"""The progress of a local batch run (`pipeline.progress`) and the quiet start-up
(`pipeline.logs`)."""

import bz2
import logging

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline

from pipeline import logs, progress


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_line_says_done_total_rate_time_left_and_sinks():
    clock = Clock()
    tracker = progress.Progress(10, terminal=False, clock=clock)
    assert tracker.line() == "0/10 chats (0%) in 0 s, none done yet"
    clock.now = 60.0
    tracker.record("results")
    assert tracker.line() == ("1/10 chats (10%) in 60 s, the first after 60 s (loading, "
                              "compiling); results 1")
    clock.now = 70.0
    for sink in ("results", "review", "errors", "results"):
        tracker.record(sink)
    # 4 more in the 10 s since the first: 0.4 chats/s, 5 left -> 12 s.
    assert tracker.line() == ("5/10 chats (50%) in 70 s, 0.40 chats/s, 12 s left; errors 1, "
                              "results 3, review 1")


def test_an_unknown_total_still_counts():
    tracker = progress.Progress(None, terminal=False, clock=Clock())
    tracker.record("errors", 3)
    assert tracker.line().startswith("3 chats in 0 s")


def test_without_a_terminal_it_logs_a_line_every_interval_and_a_last_one(caplog):
    clock = Clock()
    caplog.set_level(logging.INFO, logger="pipeline.progress")
    with progress.Progress(3, terminal=False, log_every_secs=30, clock=clock) as tracker:
        assert progress.active() is tracker
        clock.now = 5.0
        tracker.record("results")  # 5 s: too soon for a line
        clock.now = 31.0
        tracker.record("results")
        clock.now = 40.0
        tracker.record("review")
    assert progress.active() is None
    lines = [r.getMessage() for r in caplog.records if r.name == "pipeline.progress"]
    assert len(lines) == 2
    assert lines[0].startswith("2/3 chats (67%) in 31 s")
    assert lines[1] == "3/3 chats (100%) in 40 s, 0.07 chats/s overall; results 2, review 1"


def test_the_pipeline_counts_every_sink_record_into_the_active_progress():
    """CountToProgress in a real (in-process) Beam run: every element is one chat done;
    with no active progress it is a no-op."""
    with progress.Progress(5, terminal=False, clock=Clock()) as tracker:
        with TestPipeline() as p:
            p | "R" >> beam.Create(range(3)) | "CR" >> progress.CountToProgress("results")
            p | "E" >> beam.Create(range(2)) | "CE" >> progress.CountToProgress("errors")
    assert dict(tracker.counts) == {"results": 3, "errors": 2}
    with TestPipeline() as p:  # nothing active: nothing to count, nothing breaks
        p | beam.Create(range(3)) | progress.CountToProgress("results")


def test_input_lines_are_counted_as_the_pipeline_splits_them(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(b'{"id": 1}\n\n{"id": 2}\r\n{"id": 3}')  # 4 lines
    (tmp_path / "b.jsonl").write_bytes(b"")
    (tmp_path / "c.jsonl").write_bytes(b"x\n")
    assert progress.count_input_lines(str(tmp_path / "*.jsonl")) == 5
    assert progress.count_input_lines(str(tmp_path / "none-*.jsonl")) is None
    (tmp_path / "d.jsonl.bz2").write_bytes(bz2.compress(b"x\ny\n"))
    assert progress.count_input_lines(str(tmp_path / "*")) is None  # compressed: unknown


def test_verbosity_flags_are_taken_out_before_the_options():
    argv, level, verbose = logs.pop_verbosity(["--input", "x", "-v", "--log_level", "debug",
                                               "--model", "m"])
    assert (argv, level, verbose) == (["--input", "x", "--model", "m"], "DEBUG", True)
    assert logs.pop_verbosity(["--log_level=warning"]) == ([], "WARNING", False)
    with pytest.raises(SystemExit, match="--log_level"):
        logs.pop_verbosity(["--log_level", "loud"])
    with pytest.raises(SystemExit, match="--log_level needs a value"):
        logs.pop_verbosity(["--input", "x", "--log_level"])


def test_a_fifo_among_the_inputs_is_not_read_to_count_it(tmp_path):
    """Counting reads each file once before the run: a named pipe would be drained (the run
    then waits for a writer forever) or block the start. No total then."""
    import os
    import threading

    (tmp_path / "a.jsonl").write_bytes(b"x\n")
    fifo = tmp_path / "b.jsonl"
    os.mkfifo(fifo)
    result = []
    counting = threading.Thread(
        target=lambda: result.append(progress.count_input_lines(str(tmp_path / "*.jsonl"))),
        daemon=True)
    counting.start()
    counting.join(5)
    if counting.is_alive():  # unblock it: a writer that writes nothing
        with open(fifo, "wb"):
            pass
        counting.join(5)
        pytest.fail("count_input_lines opened a named pipe")
    assert result == [None]


def test_the_count_follows_input_compression(tmp_path):
    """--input_compression gzip reads a `.jsonl` as gzip: its raw bytes' newlines are not
    the chats; `none` reads a `.gz` as plain text, and its lines are."""
    import gzip

    (tmp_path / "a.jsonl").write_bytes(gzip.compress(b"x\n" * 1000))
    assert progress.count_input_lines(str(tmp_path / "a.jsonl"), "gzip") is None
    (tmp_path / "b.jsonl.gz").write_bytes(b"x\ny\n")
    assert progress.count_input_lines(str(tmp_path / "b.jsonl.gz"), "none") == 2
    assert progress.count_input_lines(str(tmp_path / "b.jsonl.gz")) is None
