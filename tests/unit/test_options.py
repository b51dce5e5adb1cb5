import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.options import ChatPipelineOptions, OptionsError, validate_options


def _problems(*argv):
    """The pure combination checks only: no file named in argv has to exist."""
    return PipelineOptions(list(argv)).view_as(ChatPipelineOptions).sources_and_sinks_errors()


def _validate(*argv):
    return validate_options(PipelineOptions(list(argv)))


@pytest.fixture
def chats(tmp_path):
    path = tmp_path / "chats.jsonl"
    path.write_text('{"id": 1, "user_id": 2, "chat_message": "hi"}\n')
    return str(path)


def test_local_defaults_are_valid(chats, preset):
    """--input plus --output_dir is a complete batch configuration."""
    opts = _validate("--input", chats, "--output_dir", "out", "--model", preset)
    assert opts.max_batch_size == 16
    assert _problems("--input", "x.jsonl", "--output_dir", "out") == []
    assert PipelineOptions([]).view_as(ChatPipelineOptions).model == "models/demo-gemma"


@pytest.mark.parametrize("argv,flag", [
    ((), "--input"),
    (("--input", "a", "--input_subscription", "projects/p/subscriptions/s"), "--input"),
    (("--input_subscription", "subs", "--output_table", "p:d.t"), "--input_subscription"),
    (("--input", "a", "--output_table", "p.d", "--review_topic", "projects/p/topics/t",
      "--error_topic", "projects/p/topics/e"), "--output_table"),
    (("--input", "a", "--output_dir", "o", "--review_topic", "topic"), "--review_topic"),
    (("--input", "a", "--output_dir", "o", "--ab_split", "0.5"), "--model_b"),
    (("--input", "a", "--output_dir", "o", "--max_summary_chars", "2147483648"),
     "--max_summary_chars"),
    (("--input", "a", "--output_dir", "o", "--ab_split", "2", "--model_b", "m"), "--ab_split"),
    (("--input_subscription", "projects/p/subscriptions/s", "--output_table", "p:d.t",
      "--review_topic", "projects/p/topics/t"), "--error_table"),
    (("--input", "a", "--output_dir", "o", "--inference_timeout_secs", "0"),
     "--inference_timeout_secs"),
    (("--input", "a", "--output_dir", "o", "--max_chat_bytes", "0"), "--max_chat_bytes"),
    (("--input", "a", "--output_dir", "o", "--max_new_tokens", "-1"), "--max_new_tokens"),
    (("--input", "a", "--output_dir", "o", "--apology_max_new_tokens", "4096"),
     "--apology_max_new_tokens"),
    (("--input", "a", "--output_dir", "o", "--length_buckets", "0,512"), "--length_buckets"),
    (("--input", "a", "--output_dir", "o", "--dedup_window_secs", "-5"), "--dedup_window_secs"),
    (("--input", "a", "--output_dir", "o", "--dedup_window_secs", "inf"),
     "--dedup_window_secs"),
    (("--input", "a", "--output_dir", "o", "--inference_timeout_secs", "nan"),
     "--inference_timeout_secs"),
    (("--input", "a", "--output_dir", "o", "--batch_bucket_boundaries", "400,100"),
     "--batch_bucket_boundaries"),
    (("--input", "a", "--output_dir", "o", "--max_batch_duration_secs", "1"),
     "--max_batch_duration_secs"),
    (("--input", "a", "--output_dir", "o", "--no_repeat_ngram", "1"), "--no_repeat_ngram"),
    (("--input", "a", "--output_dir", "o", "--no_repeat_ngram", "-3"), "--no_repeat_ngram"),
    (("--input", "a", "--output_dir", "o", "--no_repeat_ngram", "300"), "--no_repeat_ngram"),
])
def test_bad_combinations_name_the_flag(argv, flag):
    """Invalid combinations are found without touching the filesystem, naming the flag."""
    problems = _problems(*argv)
    assert problems and any(flag in p for p in problems), problems


def test_batch_duration_is_allowed_where_timers_work():
    """--max_batch_duration_secs is refused only for batch on the local runner: streaming and
    Dataflow batch keep it."""
    streaming = ("--input_subscription", "projects/p/subscriptions/s", "--output_table",
                 "p:d.t", "--review_topic", "projects/p/topics/t", "--error_topic",
                 "projects/p/topics/e", "--max_batch_duration_secs", "1")
    assert _problems(*streaming) == []
    dataflow_batch = ("--runner", "DataflowRunner", "--input", "gs://b/*.jsonl",
                      "--output_dir", "gs://b/out", "--max_batch_duration_secs", "1")
    assert _problems(*dataflow_batch) == []
    local_batch = ("--runner", "FnApiRunner", "--input", "a", "--output_dir", "o",
                   "--max_batch_duration_secs", "1")
    assert _problems(*local_batch) == [
        "--max_batch_duration_secs is refused in batch mode (--input) on the local runner, "
        "whose timer-based batching drops buffered chats: leave it out"]


def test_validate_raises_one_options_error_listing_every_problem(tmp_path):
    """validate_options raises OptionsError, a ValueError, with one problem per flag."""
    missing = str(tmp_path / "nope" / "*.jsonl")
    with pytest.raises(OptionsError) as info:
        _validate("--input", missing, "--output_dir", "o", "--model", str(tmp_path / "m"),
                  "--ab_split", "0.5")
    assert isinstance(info.value, ValueError)
    assert info.value.problems == [
        "--ab_split needs --model_b",
        f"--input matches no file: {missing!r}",
        f"--model directory does not exist: {str(tmp_path / 'm')!r}",
    ]
    assert "--input matches no file" in str(info.value)


def test_input_glob_must_match_a_file(tmp_path, chats, preset):
    """A local --input glob is matched up front; a directory alone is not input."""
    base = ("--output_dir", "o", "--model", preset)
    assert _validate("--input", str(tmp_path / "*.jsonl"), *base).input
    with pytest.raises(OptionsError, match=r"--input matches no file: .*\*\.json'"):
        _validate("--input", str(tmp_path / "*.json"), *base)
    with pytest.raises(OptionsError, match="--input matches only directories"):
        _validate("--input", str(tmp_path / "preset"), *base)


def test_remote_input_is_not_matched_up_front(preset):
    """A gs:// glob is left to Beam (matching it needs the cloud)."""
    opts = PipelineOptions(["--input", "gs://no-such-bucket/*.jsonl", "--output_dir", "o",
                            "--model", preset]).view_as(ChatPipelineOptions)
    assert opts.environment_errors() == []


@pytest.mark.parametrize("model,expected", [
    ("gemma2_instruct_2b_en", None),
    ("gs://bucket/models/gemma", None),
    ("kaggle://keras/gemma2/keras/gemma2_instruct_2b_en", None),
    ("hf://google/gemma-2-2b-it", None),
    ("models/demo-gemma", "--model directory does not exist: 'models/demo-gemma' "
                          "(build it with `make demo-model`)"),
    ("./gemma", "--model directory does not exist: './gemma'"),
    ("~/gemma", "--model directory does not exist: '~/gemma'"),
    ("/no/such/preset", "--model directory does not exist: '/no/such/preset'"),
])
def test_model_path_or_name(model, expected, chats, monkeypatch, tmp_path):
    """Paths must exist; bare preset names and scheme:// handles go to keras-hub unchecked."""
    monkeypatch.chdir(tmp_path)
    opts = PipelineOptions(["--input", chats, "--output_dir", "o", "--model", model])
    problems = opts.view_as(ChatPipelineOptions).environment_errors()
    assert problems == ([] if expected is None else [expected])


def test_local_preset_needs_config_json(tmp_path, chats, preset):
    """An existing --model/--model_b path must be a directory holding config.json."""
    empty = tmp_path / "empty"
    empty.mkdir()
    base = ("--input", chats, "--output_dir", "o")
    with pytest.raises(OptionsError, match=r"--model is not a keras-hub preset directory \(no "
                                           r"config\.json\)"):
        _validate(*base, "--model", str(empty))
    with pytest.raises(OptionsError, match="--model is a file, not a preset directory"):
        _validate(*base, "--model", chats)
    with pytest.raises(OptionsError, match="--model_b is not a keras-hub preset directory"):
        _validate(*base, "--model", preset, "--model_b", str(empty))


def test_model_path_is_not_checked_for_dataflow(chats):
    """On Dataflow a --model path may exist only in the worker image (/opt/model)."""
    opts = PipelineOptions(["--runner", "DataflowRunner", "--input", chats, "--output_dir", "o",
                            "--model", "/opt/model"]).view_as(ChatPipelineOptions)
    assert opts.environment_errors() == []


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
    """Every flag's help, as `python -m pipeline --help` prints it, says its default."""
    import re

    from pipeline.options import help_text

    text = help_text()
    usage, options = text.split("\noptions:\n")
    flags = re.findall(r"\[(--\w+)", usage)
    blocks = {block.split()[0]: block for block in re.split(r"\n(?=  --)", options)
              if block.startswith("  --")}
    assert flags and sorted(blocks) == sorted(flags)
    for flag, block in blocks.items():
        assert "Default" in block, flag


def test_unknown_flags_are_refused(chats, preset):
    """A typo in a flag name fails up front instead of running with the default."""
    with pytest.raises(OptionsError, match="--modle is not an option"):
        _validate("--input", chats, "--output_dir", "out", "--model", preset, "--modle", "x")


@pytest.mark.parametrize("argv,fragment", [
    (("--feedback_input", "f.jsonl", "--feedback_subscription", "projects/p/subscriptions/s",
      "--feedback_table", "p:d.f", "--error_topic", "projects/p/topics/e"),
     "one of --feedback_input or --feedback_subscription"),
    (("--input", "c.jsonl", "--feedback_subscription", "projects/p/subscriptions/s",
      "--output_dir", "out"), "a job is batch or streaming"),
    (("--feedback_subscription", "projects/p/subscriptions/s", "--error_topic",
      "projects/p/topics/e"), "--feedback_subscription) needs --feedback_table"),
    (("--feedback_subscription", "topics/s", "--feedback_table", "p:d.f", "--error_topic",
      "projects/p/topics/e"), "--feedback_subscription must be projects/<p>/subscriptions/<s>"),
    (("--feedback_input", "f.jsonl", "--error_topic", "projects/p/topics/e"),
     "--feedback_input needs --output_dir or --feedback_table"),
    (("--feedback_input", "f.jsonl", "--output_dir", "out", "--feedback_table", "feedback"),
     "--feedback_table must be <project>:<dataset>.<table>"),
    (("--input", "c.jsonl", "--output_dir", "out", "--feedback_table", "p:d.f"),
     "--feedback_table needs --feedback_input or --feedback_subscription"),
    (("--feedback_input", "f.jsonl", "--output_dir", "out", "--review_table", "p:d.r"),
     "need a chat source"),
    (("--input", "c.jsonl", "--output_dir", "out", "--review_table", "p.d"),
     "--review_table must be <project>:<dataset>.<table>"),
])
def test_feedback_flag_combinations_are_checked(argv, fragment):
    """Each wrong combination of the feedback and review-table flags is named."""
    assert any(fragment in p for p in _problems(*argv)), _problems(*argv)


def test_feedback_only_jobs_are_complete():
    """Feedback alone, batch or streaming, needs no chat source and no model."""
    assert _problems("--feedback_input", "f.jsonl", "--output_dir", "out") == []
    assert _problems("--feedback_subscription", "projects/p/subscriptions/s", "--feedback_table",
                     "p:d.f", "--error_table", "p:d.e") == []
    assert _problems("--input_subscription", "projects/p/subscriptions/c", "--output_table",
                     "p:d.r", "--review_topic", "projects/p/topics/r", "--error_topic",
                     "projects/p/topics/e", "--review_table", "p:d.v",
                     "--feedback_subscription", "projects/p/subscriptions/f",
                     "--feedback_table", "p:d.f") == []


def test_feedback_only_job_does_not_need_the_model(tmp_path):
    """A feedback-only run on a machine without the demo model validates (no --model check),
    while a missing --feedback_input file is named."""
    feedback = tmp_path / "f.jsonl"
    feedback.write_text("{}\n")
    _validate("--feedback_input", str(feedback), "--output_dir", str(tmp_path),
              "--model", str(tmp_path / "missing-model"))
    with pytest.raises(OptionsError) as info:
        _validate("--feedback_input", str(tmp_path / "none*.jsonl"), "--output_dir", "out")
    assert any("--feedback_input matches no file" in p for p in info.value.problems)
