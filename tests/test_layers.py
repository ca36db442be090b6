"""The layers run one way (DESIGN.md section 2): ``kimtracker`` (settings, roles, shared pieces)
<- ``villages`` (the registry) <- ``reports`` (figures and reports) <- ``api`` (the read
API). A module may import its own
layer and those below it, never one above; and the project's modules import each other without
a cycle.

Every ``.py`` file of the four packages is read with ``ast`` (nothing is imported or run).
Each ``import`` and ``from ... import`` is mapped to the project module it loads: at module level
or inside a function alike, since a deferred import is a dependency all the same. An upward one
fails, naming the file, the line and the import. The module-level imports make the graph of the
project's modules; a cycle in it (modules that cannot load one without the other) fails too,
with the chain of imports that closes it. Imports inside a function run when it is called, after
every module has loaded, so they take no part in a cycle; imports under ``if TYPE_CHECKING:``
never run.
"""

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Lowest first: a module may import its own layer and those before it.
LAYERS = ("kimtracker", "villages", "reports", "api")


@dataclass(frozen=True)
class Source:
    """One module's text: ``module`` is its dotted name (a package is its ``__init__``)."""

    module: str
    path: str
    text: str
    is_package: bool = False


@dataclass(frozen=True)
class Import:
    """One import of a project module, as written at ``path``:``line``."""

    importer: str
    target: str
    path: str
    line: int
    statement: str
    deferred: bool  # inside a function, or under ``if TYPE_CHECKING:``

    def __str__(self):
        return f"{self.path}:{self.line}: {self.statement}"


def project_sources(root: Path = ROOT, packages=LAYERS) -> list[Source]:
    """Every ``.py`` file of ``packages`` under ``root``, as ``Source``."""
    sources = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            parts = list(relative.with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            sources.append(
                Source(
                    module=".".join(parts),
                    path=relative.as_posix(),
                    text=path.read_text(encoding="utf-8"),
                    is_package=is_package,
                )
            )
    return sources


def layer_of(module: str) -> int | None:
    """The layer of a project module (0 lowest), None for anything else (Django, the stdlib)."""
    top = module.split(".", 1)[0]
    return LAYERS.index(top) if top in LAYERS else None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ImportVisitor(ast.NodeVisitor):
    """Collects the imports of one module, each resolved to the project module it loads."""

    def __init__(self, source: Source, modules: set[str]):
        self.source, self.modules = source, modules
        self.imports: list[Import] = []
        self.depth = 0  # > 0 inside a function or a TYPE_CHECKING block

    def _deferred(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _deferred

    def visit_If(self, node: ast.If):
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.depth += 1
        for child in node.body:
            self.visit(child)
        self.depth -= 1
        for child in node.orelse:
            self.visit(child)

    def _known(self, name: str) -> str | None:
        """``name`` if it is a project module, else its longest prefix that is one; None when
        it is not the project's at all."""
        if layer_of(name) is None:
            return None
        while name and name not in self.modules:
            name = name.rpartition(".")[0]
        return name or None

    def _add(self, node, target: str | None):
        if target is not None and target != self.source.module:
            self.imports.append(
                Import(
                    importer=self.source.module,
                    target=target,
                    path=self.source.path,
                    line=node.lineno,
                    statement=ast.unparse(node),
                    deferred=self.depth > 0,
                )
            )

    def visit_Import(self, node: ast.Import):
        for alias in node.names:
            self._add(node, self._known(alias.name))

    def visit_ImportFrom(self, node: ast.ImportFrom):
        if node.level:
            package = self.source.module.split(".")
            if not self.source.is_package:
                package.pop()
            package = package[: len(package) - (node.level - 1)]
            base = ".".join(package + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        for alias in node.names:
            # ``from villages import demo`` loads the module villages.demo when there is one.
            submodule = f"{base}.{alias.name}"
            self._add(node, submodule if submodule in self.modules else self._known(base))


def imports_of(sources: list[Source]) -> list[Import]:
    """Every import of a project module in ``sources``, in file and line order."""
    modules = {source.module for source in sources}
    imports = []
    for source in sources:
        visitor = _ImportVisitor(source, modules)
        visitor.visit(ast.parse(source.text, filename=source.path))
        imports += visitor.imports
    return imports


def upward_imports(imports: list[Import]) -> list[Import]:
    """The imports of a module from a layer above its own."""
    return [i for i in imports if layer_of(i.target) > layer_of(i.importer)]


def import_cycles(imports: list[Import]) -> list[list[Import]]:
    """The cycles of the module-level import graph, each as the chain of imports that closes
    it (the first one's importer is the last one's target). One cycle per strongly connected
    component (Tarjan), starting from its first module by name."""
    graph: dict[str, dict[str, Import]] = {}
    for i in imports:
        if not i.deferred:
            graph.setdefault(i.importer, {}).setdefault(i.target, i)
            graph.setdefault(i.target, {})

    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(module: str):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in index:
                connect(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return [_chain(graph, set(component), component[0]) for component in sorted(components)]


def _chain(graph: dict[str, dict[str, Import]], members: set[str], start: str) -> list[Import]:
    """A shortest chain of imports within ``members`` from ``start`` back to itself."""
    paths = {start: []}
    queue = [start]
    while queue:
        module = queue.pop(0)
        for target, statement in sorted(graph[module].items()):
            if target not in members:
                continue
            if target == start:
                return [*paths[module], statement]
            if target not in paths:
                paths[target] = [*paths[module], statement]
                queue.append(target)
    raise AssertionError(f"no cycle through {start}")  # a component always has one


def describe_cycle(chain: list[Import]) -> str:
    modules = " -> ".join([chain[0].importer, *(i.target for i in chain)])
    return modules + "".join(f"\n    {i}" for i in chain)


# The project -----------------------------------------------------------------------------------

PROJECT_IMPORTS = imports_of(project_sources())


def test_every_layer_is_read():
    """A guard on the walk itself: each layer has modules, and imports of the others."""
    importers = {layer_of(i.importer) for i in PROJECT_IMPORTS}
    targets = {layer_of(i.target) for i in PROJECT_IMPORTS}
    assert importers == targets == set(range(len(LAYERS)))


def test_no_module_imports_a_layer_above_its_own():
    upward = upward_imports(PROJECT_IMPORTS)
    assert not upward, (
        "Layers run kimtracker <- villages <- reports <- api (DESIGN.md section 2); move the "
        "shared piece down (to kimtracker/) or the caller up:\n" + "\n".join(map(str, upward))
    )


def test_no_import_cycle_between_modules():
    cycles = import_cycles(PROJECT_IMPORTS)
    assert not cycles, "Import cycles:\n" + "\n".join(map(describe_cycle, cycles))


# The checker can fail ------------------------------------------------------------------------

SYNTHETIC = [
    Source("kimtracker", "kimtracker/__init__.py", "", is_package=True),
    Source(
        "kimtracker.helpers",
        "kimtracker/helpers.py",
        "import datetime\n\n\ndef today():\n    from villages.models import KIM\n",
    ),
    Source("villages", "villages/__init__.py", "", is_package=True),
    Source(
        "villages.models",
        "villages/models.py",
        "from django.db import models\n\nfrom .querysets import KIMQuerySet\n",
    ),
    Source("villages.querysets", "villages/querysets.py", "from . import views\n"),
    Source(
        "villages.views",
        "villages/views.py",
        "from typing import TYPE_CHECKING\n\nfrom villages.models import KIM\n"
        "from reports.coverage import coverage_percent\n"
        "if TYPE_CHECKING:\n    from reports import coverage\n",
    ),
    Source("reports", "reports/__init__.py", "", is_package=True),
    Source("reports.coverage", "reports/coverage.py", "from kimtracker import helpers\n"),
    Source("reports.views", "reports/views.py", "from . import coverage\nimport kimtracker\n"),
]


def test_the_checker_finds_upward_imports_anywhere():
    upward = upward_imports(imports_of(SYNTHETIC))
    assert [str(i) for i in upward] == [
        "kimtracker/helpers.py:5: from villages.models import KIM",
        "villages/views.py:4: from reports.coverage import coverage_percent",
        "villages/views.py:6: from reports import coverage",
    ]
    assert [i.deferred for i in upward] == [True, False, True]


def test_the_checker_resolves_relative_and_submodule_imports():
    targets = {(i.importer, i.target) for i in imports_of(SYNTHETIC)}
    assert ("villages.models", "villages.querysets") in targets  # from .querysets import X
    assert ("villages.querysets", "villages.views") in targets  # from . import views
    assert ("reports.coverage", "kimtracker.helpers") in targets  # from kimtracker import helpers
    assert ("reports.views", "kimtracker") in targets  # import kimtracker
    assert {layer_of(target) for _importer, target in targets} == {0, 1, 2}  # no django, typing


def test_the_checker_finds_a_cycle_with_its_chain():
    cycles = import_cycles(imports_of(SYNTHETIC))
    assert [describe_cycle(chain) for chain in cycles] == [
        "villages.models -> villages.querysets -> villages.views -> villages.models"
        "\n    villages/models.py:3: from .querysets import KIMQuerySet"
        "\n    villages/querysets.py:1: from . import views"
        "\n    villages/views.py:3: from villages.models import KIM"
    ]


def test_deferred_imports_make_no_cycle():
    sources = [
        Source("villages.models", "villages/models.py", "from .querysets import KIMQuerySet\n"),
        Source(
            "villages.querysets",
            "villages/querysets.py",
            "def active():\n    from .models import KIM\n",
        ),
    ]
    assert import_cycles(imports_of(sources)) == []
    assert len(imports_of(sources)) == 2


@pytest.mark.parametrize(
    "project_test",
    [test_no_module_imports_a_layer_above_its_own, test_no_import_cycle_between_modules],
)
def test_the_project_tests_fail_on_the_synthetic_modules(monkeypatch, project_test):
    monkeypatch.setattr(sys.modules[__name__], "PROJECT_IMPORTS", imports_of(SYNTHETIC))
    with pytest.raises(AssertionError, match=r"villages/views\.py:\d"):
        project_test()
