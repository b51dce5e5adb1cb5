import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.options import validate_options


def _validate(*argv):
    return validate_options(PipelineOptions(list(argv)))


def test_local_defaults_are_valid():
    """--input plus --output_dir is a complete batch configuration."""
    opts = _validate("--input", "x.jsonl", "--output_dir", "out")
    assert opts.model == "models/demo-gemma" and opts.max_batch_size == 16


@pytest.mark.parametrize("argv,flag", [
    ((), "--input"),
    (("--input", "a", "--input_subscription", "projects/p/subscriptions/s"), "--input"),
    (("--input_subscription", "subs", "--output_table", "p:d.t"), "--input_subscription"),
    (("--input", "a", "--output_table", "p.d", "--review_topic", "projects/p/topics/t",
      "--error_topic", "projects/p/topics/e"), "--output_table"),
    (("--input", "a", "--output_dir", "o", "--review_topic", "topic"), "--review_topic"),
    (("--input", "a", "--output_dir", "o", "--ab_split", "0.5"), "--model_b"),
    (("--input", "a", "--output_dir", "o", "--ab_split", "2", "--model_b", "m"), "--ab_split"),
    (("--input_subscription", "projects/p/subscriptions/s", "--output_table", "p:d.t",
      "--review_topic", "projects/p/topics/t"), "--error_table"),
])
def test_bad_combinations_name_the_flag(argv, flag):
    """Invalid combinations fail early with a message naming the flag."""
    with pytest.raises(ValueError, match=flag):
        _validate(*argv)


def test_help_lists_every_flag():
    """`python -m pipeline --help` prints the pipeline's own flags."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for flag in ("--input_subscription", "--output_table", "--model_b", "--dedup_window_secs"):
        assert flag in out
    assert "projects/<p>/subscriptions/<s>" in out


def test_help_states_format_and_default():
    """Every flag's help says its default."""
    import argparse

    from pipeline.options import ChatPipelineOptions

    parser = argparse.ArgumentParser()
    ChatPipelineOptions._add_argparse_args(parser)
    for action in parser._actions:
        if action.dest != "help":
            assert "Default" in (action.help or ""), action.dest
