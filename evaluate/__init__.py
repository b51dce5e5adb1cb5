"""The evaluation report: `python -m evaluate`."""
