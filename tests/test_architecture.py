"""The shape of the code: no import cycles in jianxi/, and the apps' order in docs/architecture.md holds.

The imports are read with the standard library's ``ast`` from every jianxi/**/*.py, without
importing anything. Every import statement counts — at module level, inside functions and
classes (a function-level import is still a dependency, only a later one) — except those under
``if TYPE_CHECKING:``, which are never executed and exist for the type checker alone.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "jianxi"
DOC = ROOT / "docs" / "architecture.md"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[tuple[ast.Import | ast.ImportFrom, int]]:
    """Every import statement with its line, skipping ``if TYPE_CHECKING:`` bodies."""
    found: list[tuple[ast.Import | ast.ImportFrom, int]] = []

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                for other in child.orelse:
                    walk(other)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append((child, child.lineno))
            walk(child)

    walk(tree)
    return found


@cache
def graph() -> dict[str, dict[str, int]]:
    """module → {imported jianxi module: line of the first import of it}."""
    known = modules()
    edges: dict[str, dict[str, int]] = defaultdict(dict)
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node, line in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:  # relative: from the module's own package upwards
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:  # `from pkg import submodule` imports the submodule
                    full = f"{base}.{alias.name}"
                    targets.append(full if full in known else base)
            for target in targets:
                while target and target not in known:  # `import a.b.c` of a name inside a module
                    target = target.rpartition(".")[0]
                if target and target != name and target.startswith("jianxi"):
                    edges[name].setdefault(target, line)
    return edges


def cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each a cycle."""
    edges, index, low, stack, on_stack, found = graph(), {}, {}, [], set(), []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(modules()):
        if node not in index:
            visit(node)
    return found


def documented_order() -> tuple[list[str], dict[str, int]]:
    """The layers written in docs/architecture.md, lowest first, and the modules put in the top one.

    Read from the numbered list under "## The order of the apps": ``1. `core` — …``; the last
    item names the composition modules (``jianxi.urls``…) that sit above every app.
    """
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## The order of the apps", 1)[1].split("\n## ", 1)[0]
    apps: list[str] = []
    site: dict[str, int] = {}
    for item in re.findall(r"^\d+\. (.+)$", section, flags=re.M):
        names = re.findall(r"`([\w.]+)`", item)
        if item.startswith("site"):
            site = {name: len(apps) for name in names}
        else:
            apps.append(names[0])
    return apps, site


def layer_of(module: str, apps: list[str], site: dict[str, int]) -> tuple[int, str]:
    """The layer of a module: its app's place in the order, or the top for the site modules."""
    for name in site:
        if module == name or module.startswith(name + "."):
            return len(apps), "site"
    app = module.split(".")[1] if module.count(".") else ""
    return apps.index(app) if app in apps else -1, app


def test_no_import_cycles_in_jianxi():
    assert graph(), "the import graph is empty: the walk found no imports"
    assert cycles() == []


def test_every_app_has_its_place_in_the_documented_order():
    apps, site = documented_order()
    assert apps[:2] == ["core", "policy"] and site, "docs/architecture.md: the order was not read"
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists() and p.name not in ("locale",)}
    packages -= {"templates", "static"}
    assert packages - set(apps) == set(), "add the new app to the order in docs/architecture.md"
    assert all(name in modules() or any(m.startswith(name + ".") for m in modules()) for name in site), site


def test_an_app_imports_only_the_apps_below_it():
    apps, site = documented_order()
    upward = []
    for module, targets in graph().items():
        if not module.startswith("jianxi.") or module.count(".") < 1:
            continue
        here, app = layer_of(module, apps, site)
        if app == "" and here == -1:  # jianxi/__init__.py
            continue
        for target, line in targets.items():
            there, other = layer_of(target, apps, site)
            if other == app or other == "":
                continue
            if there >= here:
                upward.append(f"{modules()[module].relative_to(ROOT)}:{line} imports {target} ({app} → {other})")
    assert upward == []


def test_the_walk_sees_function_level_and_relative_imports():
    """The test above can fail: the imports it must see, it sees."""
    edges = graph()
    assert "jianxi.policy.engine.values" in edges["jianxi.policy.engine"]  # from .values import …
    assert "jianxi.accounts.models" in edges["jianxi.core.management.commands.demo"]
    assert "jianxi.accounts.models" not in edges.get("jianxi.core.access", {})  # under TYPE_CHECKING
    # a function-level import: the policy's AppConfig.ready() imports its selectors
    assert "jianxi.policy.selectors" in edges["jianxi.policy.apps"]


def test_the_policy_cache_receivers_are_connected_in_the_app_config_not_on_import():
    from django.apps import apps
    from django.db.models.signals import post_save

    from jianxi.policy.models import CityPolicy
    from jianxi.policy.selectors import invalidate

    source = ast.parse((PACKAGE / "policy" / "selectors.py").read_text(encoding="utf-8"))
    module_level_calls = [
        node.value.func.attr
        for node in source.body
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
    ]
    loops = [node for node in source.body if isinstance(node, ast.For)]
    assert "connect" not in module_level_calls and not loops

    def connected() -> bool:
        return invalidate in post_save._live_receivers(CityPolicy)[0]

    assert connected()  # by django.setup(), through PolicyConfig.ready()
    post_save.disconnect(invalidate, sender=CityPolicy, dispatch_uid="policy-invalidate-CityPolicy")
    assert not connected()
    apps.get_app_config("policy").ready()
    assert connected()
