"""bench.stream's runs, without the emulators: which pipeline each figure measures."""

import contextlib

import bench.stream


def test_the_throughput_and_latency_runs_leave_feedback_ingestion_off(monkeypatch, tmp_path):
    """Every StreamingRun of the benchmarks is made with feedback=False (local.stream says the
    feedback topic and tables are off there), so the figures are of the chat path alone."""
    made = []
    figures = {"chats_per_s": 1.0, "p50_s": 1.0, "p99_s": 1.0}

    @contextlib.contextmanager
    def servers():
        yield {"PROJECT": "local-project"}

    def run_of(run, *args, **kwargs):
        made.append(run)
        return figures

    monkeypatch.setattr(bench.stream, "local_servers", servers)
    monkeypatch.setattr(bench.stream, "drain", run_of)
    monkeypatch.setattr(bench.stream, "paced", run_of)
    monkeypatch.setattr(bench.stream, "metric", lambda *args, **kwargs: None)
    chats = tmp_path / "chats.jsonl"
    chats.write_text('{"id": 1, "user_id": 1, "chat_message": "hi"}\n')
    bench.stream.bench_stream(5, ["models/x"], str(chats), rate=4.0)
    product = [r for r in made if type(r) is bench.stream.StreamingRun]
    assert len(product) == 3 and [r.feedback for r in product] == [False] * 3
