"""The dependency rule (DESIGN.md §3): the pure modules import neither Telegram nor SQLAlchemy.

Checked two ways, over whatever files exist when the test runs (new packages under
`bot/domain/` are covered automatically):

* statically: every import statement in the source (including ``from x import y``, relative
  imports, imports under ``TYPE_CHECKING`` and ``importlib.import_module("...")`` calls) is
  resolved to an absolute module name; none may be ``telegram*`` or ``sqlalchemy*``, and
  project modules they import must be pure themselves;
* dynamically: a fresh interpreter imports them all and neither package ends up loaded.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("telegram", "sqlalchemy")
PROJECT_PACKAGES = ("bot", "handlers", "schedules", "storage", "tests")
# Pure leaf modules outside bot/domain.
PURE_FILES = ("schedules/spec.py", "schedules/timing.py", "schedules/ratelimit.py")
# Package __init__ files that run whenever a pure module is imported.
ANCESTOR_FILES = ("bot/__init__.py", "schedules/__init__.py")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def pure_paths() -> list[Path]:
    paths = sorted((ROOT / "bot" / "domain").rglob("*.py"))
    paths += [ROOT / name for name in PURE_FILES]
    return paths


def pure_modules() -> list[str]:
    return [module_name(path) for path in pure_paths()]


def _absolute(module: str | None, level: int, current: str, is_package: bool) -> str:
    if level == 0:
        return module or ""
    package = current if is_package else current.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{module}" if module else package


def imported_modules(source: str, current: str, is_package: bool) -> set[str]:
    """Every module name the source imports, resolved to absolute names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, current, is_package)
            found.add(base)
            # `from pkg import sub` may import a submodule.
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                found.add(first.value)
    return {name for name in found if name}


def imports_of(path: Path) -> set[str]:
    return imported_modules(
        path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py"
    )


def is_project_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def is_forbidden(name: str) -> bool:
    return any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)


# --- the checker itself ----------------------------------------------------------------------


def test_checker_sees_every_form_of_import() -> None:
    source = """
import telegram.ext as ext
from sqlalchemy.orm import Session
from . import sibling
from ..other import thing
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from telegram import Update
def late():
    import importlib
    importlib.import_module("sqlalchemy.ext.asyncio")
"""
    found = imported_modules(source, "bot.domain.distress.assessor", is_package=False)
    assert "telegram.ext" in found
    assert "sqlalchemy.orm" in found
    assert "telegram" in found
    assert "sqlalchemy.ext.asyncio" in found
    assert "bot.domain.distress.sibling" in found
    assert "bot.domain.other" in found
    assert "bot.domain.other.thing" in found
    assert {name for name in found if is_forbidden(name)} >= {
        "telegram.ext",
        "telegram",
        "sqlalchemy.orm",
        "sqlalchemy.ext.asyncio",
    }
    assert not any(is_forbidden(name) for name in ("typing", "importlib", "bot.domain.other"))


def test_relative_import_in_a_package_init_resolves_inside_the_package() -> None:
    found = imported_modules("from .levels import Level\n", "bot.domain.distress", True)
    assert "bot.domain.distress.levels" in found


def test_project_module_detection() -> None:
    assert is_project_module("bot.texts")
    assert is_project_module("bot.domain")
    assert not is_project_module("bot.domain.consent.ACTIVE")


def test_forbidden_prefix_is_a_package_boundary() -> None:
    assert is_forbidden("telegram")
    assert is_forbidden("sqlalchemy.orm")
    assert not is_forbidden("telegramish")
    assert not is_forbidden("bot.telegram_texts")


# --- the rule --------------------------------------------------------------------------------


def test_discovery_covers_all_of_bot_domain() -> None:
    modules = pure_modules()
    assert {"bot.domain.consent", "bot.domain.invites", "schedules.ratelimit"} <= set(modules)
    on_disk = {module_name(p) for p in (ROOT / "bot" / "domain").rglob("*.py")}
    assert on_disk <= set(modules)


@pytest.mark.parametrize(
    "path",
    [*pure_paths(), *(ROOT / name for name in ANCESTOR_FILES)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_static_imports_are_pure(path: Path) -> None:
    imports = imports_of(path)
    assert sorted(name for name in imports if is_forbidden(name)) == []
    pure = set(pure_modules()) | {module_name(ROOT / name) for name in ANCESTOR_FILES}
    project = [name for name in imports if name.split(".")[0] in PROJECT_PACKAGES]
    # A project module that is not pure itself could smuggle them in. A name that is not a
    # module (`from pkg.mod import function`) is an attribute: its module must be pure.
    impure = [
        name
        for name in project
        if (name not in pure if is_project_module(name) else name.rpartition(".")[0] not in pure)
    ]
    assert impure == []


def test_importing_every_pure_module_loads_neither_telegram_nor_sqlalchemy() -> None:
    modules = pure_modules()
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules\n"
        "                if m.split('.')[0] in ('telegram', 'sqlalchemy'))\n"
        "print(json.dumps({'loaded': loaded, 'count': len(sys.modules)}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["loaded"] == []
