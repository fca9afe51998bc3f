"""The layers, checked on the source: proofloop (the Django project) on top, then the validation
app (the domain and its surfaces), then core (accounts, organizations, tenancy) at the bottom.

Read with `ast`, so the check sees every import, those inside functions included: no import
cycle between modules; core imports neither validation nor the project; the domain's models
import no surface; the CSV import does not borrow the API; an import inside a function says why
(a `# why:` comment on it or in the few lines above it)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("proofloop", "core", "validation", "devtools")
SURFACES = ("validation.api", "validation.views", "validation.forms", "validation.csvio",
            "validation.digest", "validation.charts", "validation.templatetags")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (the longest known prefix of the name)
    line: int
    in_function: bool
    why: bool  # a `# why:` comment on the line or just above it


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


MODULES = _modules()


def _known(name: str) -> str | None:
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    for alias in node.names:  # `from . import engine` imports the module validation.engine
        yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base


def _type_checking_only(tree: ast.Module) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines |= {n.lineno for child in node.body for n in ast.walk(child)
                      if isinstance(n, ast.Import | ast.ImportFrom)}
    return lines


def imports() -> list[Import]:
    found = []
    for module, path in MODULES.items():
        source = path.read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        skipped = _type_checking_only(tree)
        in_function = {n.lineno for f in ast.walk(tree)
                       if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                       for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or node.lineno in skipped:
                continue
            nearby = lines[max(0, node.lineno - 6):node.lineno]
            why = any("# why:" in line for line in nearby)
            for name in _targets(module, node):
                target = _known(name)
                if target is None and node.lineno in in_function:
                    # A library imported inside a function must say why too.
                    found.append(Import(module, name, node.lineno, True, why))
                elif target is not None and target != module:
                    found.append(Import(module, target, node.lineno, node.lineno in in_function,
                                        why))
    return found


IMPORTS = imports()


def _layer(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(f"{prefix}.")


def test_the_check_sees_the_code():
    assert {"core.models", "validation.models", "validation.services", "proofloop.settings"
            } <= set(MODULES)
    assert any(i.module == "validation.services" and i.target == "validation.tasks"
               for i in IMPORTS)


def test_there_is_no_import_cycle():
    graph: dict[str, set[str]] = {}
    for i in IMPORTS:
        if i.target in MODULES:
            graph.setdefault(i.module, set()).add(i.target)
    # Tarjan's strongly connected components: a component of more than one module is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(MODULES):
        if node not in index:
            visit(node)
    assert cycles == []


def test_core_imports_neither_the_validation_app_nor_the_project():
    upward = [i for i in IMPORTS if _layer(i.module, "core")
              and (_layer(i.target, "validation") or _layer(i.target, "proofloop"))]
    assert upward == []


def test_the_apps_import_nothing_of_the_project_but_its_celery_app():
    # The project (settings, URLs) sits above the apps; only its Celery app is a library to them.
    upward = [i for i in IMPORTS if not _layer(i.module, "proofloop")
              and not _layer(i.module, "devtools")
              and _layer(i.target, "proofloop") and i.target != "proofloop.celery"]
    assert upward == []


def test_the_domain_models_import_no_surface():
    leaks = [i for i in IMPORTS if _layer(i.module, "validation.models")
             and any(_layer(i.target, surface) for surface in SURFACES)]
    assert leaks == []


def test_the_csv_import_does_not_borrow_the_api():
    leaks = [i for i in IMPORTS if _layer(i.module, "validation.csvio")
             and _layer(i.target, "validation.api")]
    assert leaks == []


def test_an_import_inside_a_function_says_why():
    unexplained = [f"{i.module}:{i.line} imports {i.target}" for i in IMPORTS
                   if i.in_function and not i.why]
    assert unexplained == []


@pytest.mark.parametrize("module", ["validation.engine", "validation.metrics"])
def test_the_engine_and_the_metrics_are_computation_only(module):
    """They read and compute; queueing and surfaces are above them."""
    targets = {i.target for i in IMPORTS if i.module == module}
    assert not {t for t in targets if t == "validation.tasks" or t == "validation.services"
                or any(_layer(t, surface) for surface in SURFACES)}
