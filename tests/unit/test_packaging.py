"""The worker image and the package agree on every pin."""

import ast
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PIN = re.compile(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^\s\"']+)$")


def _setup_specs() -> list[str]:
    """Every requirement setup.py names: REQUIRED, KERAS_HUB and every extra."""
    tree = ast.parse(open(os.path.join(ROOT, "setup.py")).read())
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = node.value
    beam = ast.literal_eval(values["BEAM_VERSION"])
    specs = [s.value if isinstance(s, ast.Constant) else f"apache-beam[gcp]=={beam}"
             for s in values["REQUIRED"].elts]
    specs.append(ast.literal_eval(values["KERAS_HUB"]))
    for extra in values["EXTRAS"].values:
        specs += [ast.literal_eval(s) for s in extra.elts]
    return specs


def _setup_pins() -> dict[str, str]:
    pins = {}
    for spec in _setup_specs():
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


def test_keras_hub_is_installed_without_tensorflow_everywhere():
    """keras-hub is pinned once (setup.py's KERAS_HUB), installed with --no-deps by the
    Makefile and the image, and nothing installed asks for TensorFlow."""
    pin = f"keras-hub=={_setup_pins()['keras-hub']}"
    makefile = open(os.path.join(ROOT, "Makefile")).read()
    assert f"KERAS_HUB := {pin}" in makefile
    assert "pip install -qq --no-deps '$(KERAS_HUB)'" in makefile
    assert f'pip install --no-deps "{pin}"' in _dockerfile()
    assert not [s for s in _setup_specs() if s.lower().startswith("tensorflow")]


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


def _worker_packages() -> list[str]:
    """What setup.py installs: `find_packages` with setup.py's own include list."""
    import setuptools

    tree = ast.parse(open(os.path.join(ROOT, "setup.py")).read())
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and getattr(node.func, "attr", None) == "find_packages"]
    assert len(calls) == 1, "setup.py should call find_packages once"
    include = ast.literal_eval(next(k.value for k in calls[0].keywords if k.arg == "include"))
    return setuptools.find_packages(where=ROOT, include=include)


def _imported_modules(path: str) -> set[str]:
    tree = ast.parse(open(path, encoding="utf-8").read())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_workers_get_no_build_tools_benchmarks_or_tests():
    """setup.py installs the worker packages only, and none of their modules imports a
    top-level package that is not installed (the preset builders, benchmarks, tests, the
    local emulators, the review app, the report)."""
    packages = _worker_packages()
    assert {"pipeline", "handlers", "prompts", "taxonomies"} <= set(packages)
    not_installed = {"builders", "bench", "tests", "local", "review", "evaluate", "tuning"}
    assert not {p.split(".")[0] for p in packages} & not_installed, packages
    for package in packages:
        folder = os.path.join(ROOT, *package.split("."))
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                used = {m.split(".")[0] for m in _imported_modules(path)}
                assert not used & not_installed, (path, used & not_installed)


def test_the_worker_image_copies_every_package_setup_py_installs():
    """The Dockerfile installs this package from the folders it copies: a package setup.py
    lists but the image does not copy would be missing on Dataflow workers (found only when a
    DoFn is unpickled there)."""
    dockerfile = open(os.path.join(ROOT, "Dockerfile")).read()
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.M))
    assert {p.split(".")[0] for p in _worker_packages()} == copied, copied
