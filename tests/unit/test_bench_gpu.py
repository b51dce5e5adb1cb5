"""The GPU mode's roofline arithmetic against hand-computed bytes."""

from types import SimpleNamespace

import numpy as np
import pytest

from bench import gpu


def test_roofline_counts_every_weight_and_the_filled_kv_positions():
    backbone = SimpleNamespace(
        weights=[np.zeros((10, 20), "float32"), np.zeros((5,), "float32")],
        num_layers=2, num_key_value_heads=1, head_dim=4)
    # weights 205 * 4 = 820 bytes; K and V: 2 * 2 layers * 3 rows * 10 positions * 1 head
    # * 4 dims * 4 bytes = 1,920 bytes; at 1,000 bytes/s -> 2.74 s.
    assert gpu.roofline_step_seconds(backbone, 3, 10, 1000.0) == pytest.approx(2.74)


def test_bandwidth_lookup_tells_the_pcie_h100_from_the_sxm_one():
    """The GPU mode's own lookup, on JAX device kinds: the PCIe H100 is not read as the SXM
    one, and an unknown device gets no roofline."""
    assert gpu.hbm_bandwidth("NVIDIA H100 PCIe") == 2.0e12
    assert gpu.hbm_bandwidth("NVIDIA H100 80GB HBM3") == 3.35e12
    assert gpu.hbm_bandwidth("NVIDIA H200") == 4.8e12
    assert gpu.hbm_bandwidth("NVIDIA L4") == 3.0e11
    assert gpu.hbm_bandwidth("TPU v5 lite") is None
