"""`python -m pipeline --input GLOB --output_dir DIR --model PRESET [beam options]`.

`-v` (or `--verbose`) prints every library's log lines; `--log_level LEVEL` sets the
project's own (default INFO). Both are read before anything heavy is imported."""

import sys

from pipeline import logs

if __name__ == "__main__":
    argv, level, verbose = logs.pop_verbosity(sys.argv[1:])
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.options import OptionsError, help_text, validate_options

    if {"-h", "--help"} & set(argv):
        print(help_text())
        sys.exit(0)
    try:
        # A bad invocation is the caller's mistake, not a crash: one line per problem, the
        # usage exit status, no traceback, before anything heavy is imported.
        validate_options(PipelineOptions(argv))
    except OptionsError as e:
        for problem in e.problems:
            print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    logs.configure(level, verbose)
    from pipeline.pipeline import EXIT_INPUT_LOST, run, unreadable_input_files

    result = run(argv, show_progress=True)
    # A run that lost input says so last, and in its exit status: the chats of a file that
    # could not be read to its end are in no sink (its error record, stage read, names it).
    lost = unreadable_input_files(result)
    if lost:
        print(f"error: input lost: {lost} input file(s) could not be read to their end; the "
              "error sink's records of stage read name each file and why", file=sys.stderr)
        sys.exit(EXIT_INPUT_LOST)
