"""What is shipped and how it is installed: the wheel and the Docker image hold the application
and not the development tools; the lock files pin every dependency within pyproject.toml's
ranges, and the image, `make install` and so CI install from them (docs/testing.md,
"Dependencies")."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;#]+)\s*(?:;\s*([^#]+?))?\s*(?:#.*)?$")


def locked(name: str) -> dict[str, str]:
    """requirements/<name>.lock as {canonical name: version}, for this interpreter (entries
    whose marker does not apply here are left out)."""
    pins = {}
    for line in (ROOT / "requirements" / f"{name}.lock").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"requirements/{name}.lock: not an exact pin: {line!r}"
        package, version, marker = match.groups()
        if marker is None or Requirement(f"x; {marker}").marker.evaluate():  # type: ignore[union-attr]
            pins[canonicalize_name(package)] = version
    return pins


def requirements(*extras: str) -> list[Requirement]:
    project = PYPROJECT["project"]
    listed = list(project["dependencies"])
    for extra in extras:
        listed += project["optional-dependencies"][extra]
    return [Requirement(line) for line in listed]


def test_the_wheel_holds_the_application_and_not_the_development_tools():
    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = set(find_packages(where=str(ROOT), include=include))
    assert {"proofloop", "core", "validation"} <= packages
    assert not {p for p in packages if p.split(".")[0] in ("devtools", "tests")}
    assert (ROOT / "devtools" / "management" / "commands" / "bench.py").exists()


def test_the_docker_image_copies_the_application_only_and_installs_the_runtime_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY ")]
    assert "." not in copied, "COPY . would put the whole checkout in the image"
    assert not {"devtools", "tests", "docs", "scripts"} & {c.rstrip("/") for c in copied}
    steps = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert "-r requirements/base.lock" in steps[0] and "--no-deps ." in steps[1], steps
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"devtools", "tests", "docs", ".venv", ".git", ".env"} <= set(ignored)


def test_make_install_installs_the_dev_lock_then_the_project_without_dependencies():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("$(VENV)/.installed:", 1)[1].split("\n\n", 1)[0]
    assert "pip install --quiet -r requirements/dev.lock" in recipe
    assert "pip install --quiet --no-deps -e ." in recipe
    assert "requirements/dev.lock" in recipe.splitlines()[0]  # a new lock reinstalls


def test_each_lock_pins_every_dependency_within_the_ranges_of_pyproject():
    for lock, extras in (("base", ()), ("dev", ("dev", "demo"))):
        pins = locked(lock)
        for requirement in requirements(*extras):
            if requirement.marker and not requirement.marker.evaluate():
                continue
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{requirement.name} is missing from {lock}.lock: run `make lock`"
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"{lock}.lock pins {name}=={pins[name]}, outside {requirement}: run `make lock`")


def test_the_dev_lock_holds_the_runtime_lock_unchanged_and_the_image_gets_no_demo_or_dev_tools():
    base, dev = locked("base"), locked("dev")
    assert {name: dev.get(name) for name in base} == base
    assert "faker" in dev and "faker" not in base
    assert "pytest" in dev and "pytest" not in base
    assert not {"structlog", "django-structlog"} & (dev.keys() | base.keys())
