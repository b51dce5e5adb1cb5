import pytest

from handlers import shapes


def test_batch_buckets():
    """Batch buckets are powers of four capped by the maximum."""
    assert shapes.batch_buckets(16) == (1, 4, 16)
    assert shapes.batch_buckets(32) == (1, 4, 16, 32)
    assert shapes.batch_buckets(1) == (1,)


def test_plan_pads_to_buckets():
    """A batch is padded to the next batch and length bucket."""
    plan = shapes.plan_shapes([100, 180], 64, (1, 4, 16), (256, 512))
    assert (plan.rows, plan.batch_size, plan.max_length) == (2, 4, 256)
    plan = shapes.plan_shapes([300], 64, (1, 4, 16), (256, 512))
    assert (plan.batch_size, plan.max_length) == (1, 512)


def test_shapes_are_bounded_for_any_stream():
    """However lengths and batch sizes vary, the set of shapes stays within the buckets."""
    import random

    rng = random.Random(0)
    seen = set()
    for _ in range(2000):
        n = rng.randint(1, 16)
        plan = shapes.plan_shapes([rng.randint(1, 400) for _ in range(n)], 100, (1, 4, 16),
                                  (256, 512))
        seen.add((plan.batch_size, plan.max_length))
    assert seen <= {(b, length) for b in (1, 4, 16) for length in (256, 512)}


def test_too_long_for_any_bucket():
    """A request that exceeds the largest bucket raises instead of recompiling."""
    with pytest.raises(ValueError):
        shapes.plan_shapes([500], 100, (1,), (256, 512))


def test_keep_end_within_drops_the_start_of_the_chat():
    """The start of the chat is dropped; head and tail stay; the result fits the budget."""
    from prompts import Prompt

    def encode(text):  # one token per character
        return [ord(c) for c in text]

    prompt = Prompt("HEAD:", "0123456789", ":TAIL")
    ids = shapes.keep_end_within(prompt, 14, encode)
    assert "".join(map(chr, ids)) == "HEAD:6789:TAIL"
    with pytest.raises(ValueError, match="template alone"):
        shapes.keep_end_within(prompt, 8, encode)
