"""The local streaming runner's two settings (`local.direct_runner`)."""

from types import SimpleNamespace

from local import direct_runner


class _Client:
    def __init__(self, messages):
        self.messages = messages
        self.calls = []

    def pull(self, **kwargs):
        self.calls.append(kwargs)
        return SimpleNamespace(received_messages=self.messages)

    def acknowledge(self, **kwargs):
        return ("ack", kwargs)


def test_pull_returns_at_once_and_waits_only_when_empty(monkeypatch):
    slept = []
    monkeypatch.setattr(direct_runner.time, "sleep", slept.append)
    empty = direct_runner.NonBlockingPull(_Client([]), poll_secs=0.25, max_messages=100)
    empty.pull(subscription="projects/p/subscriptions/s", max_messages=10, timeout=30)
    assert empty._client.calls == [{"subscription": "projects/p/subscriptions/s",
                                     "max_messages": 100, "return_immediately": True,
                                     "timeout": 30}]
    assert slept == [0.25]
    full = direct_runner.NonBlockingPull(_Client(["m"]), poll_secs=0.25, max_messages=5)
    assert full.pull(subscription="s", max_messages=10).received_messages == ["m"]
    assert full._client.calls[0]["max_messages"] == 10 and slept == [0.25]
    assert full.acknowledge(subscription="s", ack_ids=["a"])[0] == "ack"


def test_configure_refuses_a_beam_it_was_not_written_for(monkeypatch):
    import apache_beam
    import pytest

    monkeypatch.setattr(apache_beam, "__version__", "2.99.0")
    with pytest.raises(RuntimeError, match="not 2.99.0"):
        direct_runner._internals()


def test_configure_skips_empty_bundles_only_and_is_idempotent():
    """(This patches the runner for the rest of the session, as `local.stream` does for
    every streaming run; no test relies on the unpatched runner.)"""
    from apache_beam.runners.direct.executor import _ExecutorServiceParallelExecutor as Ex

    direct_runner.configure()
    patched = Ex.schedule_consumers
    direct_runner.configure()
    assert Ex.schedule_consumers is patched
    scheduled = []
    fake = SimpleNamespace(
        value_to_consumers={"pc": ["consumer"]},
        schedule_consumption=lambda t, bundle, timers, done: scheduled.append((t, bundle)),
        default_completion_callback=None)
    empty = SimpleNamespace(pcollection="pc", has_elements=lambda: False)
    full = SimpleNamespace(pcollection="pc", has_elements=lambda: True)
    Ex.schedule_consumers(fake, empty)
    assert scheduled == []
    Ex.schedule_consumers(fake, full)
    assert scheduled == [("consumer", full)]
