"""The worker image and the package agree on every pin."""

import ast
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PIN = re.compile(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^\s\"']+)$")


def _setup_pins() -> dict[str, str]:
    tree = ast.parse(open(os.path.join(ROOT, "setup.py")).read())
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = node.value
    beam = ast.literal_eval(values["BEAM_VERSION"])
    specs = [s.value if isinstance(s, ast.Constant) else f"apache-beam[gcp]=={beam}"
             for s in values["REQUIRED"].elts]
    for extra in values["EXTRAS"].values:
        specs += [ast.literal_eval(s) for s in extra.elts]
    pins = {}
    for spec in specs:
        match = PIN.match(spec)
        if match:
            pins[match.group(1).lower()] = match.group(3)
    return pins


def _dockerfile() -> str:
    return open(os.path.join(ROOT, "Dockerfile")).read()


def test_dockerfile_pins_equal_setup_py():
    """Every name==version in the Dockerfile is the version setup.py pins."""
    setup = _setup_pins()
    found = re.findall(r"\"([A-Za-z0-9_.-]+(?:\[[^\]]*\])?==[^\s\"]+)\"", _dockerfile())
    assert found, "the Dockerfile pins nothing"
    for spec in found:
        name, _, version = PIN.match(spec).groups()
        assert setup.get(name.lower()) == version, spec


def test_beam_sdk_image_matches_the_beam_pin():
    """The boot entrypoint comes from the Beam image of the pinned version, Python 3.11."""
    setup = _setup_pins()
    images = re.findall(r"FROM apache/beam_python(\d\.\d+)_sdk:([\d.]+)", _dockerfile())
    assert images == [("3.11", setup["apache-beam"])]
    assert re.search(r"ARG BEAM_VERSION=" + re.escape(setup["apache-beam"]), _dockerfile())


def test_image_sets_the_runtime_environment():
    """JAX backend, XLA memory fraction, CUDA 12 base, the Beam boot entrypoint."""
    text = _dockerfile()
    assert "KERAS_BACKEND=jax" in text
    assert "XLA_PYTHON_CLIENT_MEM_FRACTION" in text
    assert re.search(r"FROM nvidia/cuda:12\.", text)
    assert 'ENTRYPOINT ["/opt/apache/beam/boot"]' in text
    assert 'jax[cuda12]' in text


def test_the_local_runner_patch_names_the_pinned_beam():
    """local/direct_runner.py patches Beam internals for one version: the pinned one."""
    from local.direct_runner import WRITTEN_FOR_BEAM

    assert WRITTEN_FOR_BEAM == _setup_pins()["apache-beam"]
