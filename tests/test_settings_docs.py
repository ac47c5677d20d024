"""docs/settings.md is the configuration reference: checked against the code both ways.

- every variable `fleetmanager/settings.py` reads is documented, with its default where the
  code's default is a literal, and every documented variable is read;
- the variables of the tools (`make run`, the image) are read where the document says;
- every configuration file of `config/` is documented and read by the configuration loader.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOC = (ROOT / "docs" / "settings.md").read_text()
HELPERS = {"envstr", "envbool", "envint", "envfloat", "envlist", "envchoice"}
TOOLS_SECTION = "## Read by the tools"
NO_DEFAULT = object()


def settings_reads() -> dict[str, object]:
    """``{variable: its literal default (NO_DEFAULT when none or computed)}`` read by settings.py."""
    tree = ast.parse((ROOT / "fleetmanager" / "settings.py").read_text())
    reads: dict[str, object] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in HELPERS:
            name = node.args[0]
            assert isinstance(name, ast.Constant), f"settings.py line {node.lineno}: name variables literally"
            default = node.args[1] if len(node.args) > 1 else None
            reads[name.value] = default.value if isinstance(default, ast.Constant) else NO_DEFAULT
    return reads


def rows(text: str) -> dict[str, list[str]]:
    """``{variable: cells of its table row}`` for each backticked upper-case name of a first cell."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
            found[name] = cells
    return found


def settings_part() -> str:
    return DOC.split(TOOLS_SECTION)[0]


def tools_part() -> str:
    assert TOOLS_SECTION in DOC
    return DOC.split(TOOLS_SECTION)[1]


def test_every_variable_settings_reads_is_documented() -> None:
    missing = set(settings_reads()) - set(rows(settings_part()))
    assert missing == set(), f"document these in docs/settings.md: {sorted(missing)}"


def test_every_documented_variable_is_read_by_settings() -> None:
    unread = set(rows(settings_part())) - set(settings_reads())
    assert unread == set(), f"docs/settings.md documents variables settings.py does not read: {sorted(unread)}"


def as_documented(value: object) -> str:
    if value == "":
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    return f"`{value}`"


@pytest.mark.parametrize(
    "name", sorted(name for name, default in settings_reads().items() if default not in (NO_DEFAULT, None))
)
def test_the_documented_default_is_the_codes(name: str) -> None:
    default = as_documented(settings_reads()[name])
    assert default in rows(settings_part())[name][1], f"{name}: the code's default is {default}"


def test_the_tools_variables_are_read_where_the_document_says() -> None:
    tools = rows(tools_part())
    assert {"PORT", "EMULATOR_PORT", "WEB_CONCURRENCY"} <= set(tools)
    for name, cells in tools.items():
        files = re.findall(r"`([\w./-]+\.\w+|Makefile|Dockerfile)`", cells[1])
        assert files, f"{name}: say which file reads it"
        for file in files:
            assert re.search(rf"\b{name}\b", (ROOT / file).read_text()), f"{file} does not read {name}"


def test_every_configuration_file_is_documented_and_read() -> None:
    shipped = {path.name for path in (ROOT / "config").iterdir() if path.is_file()}
    documented = set(re.findall(r"^\| `([\w.-]+\.(?:yaml|json))`", DOC, re.MULTILINE))
    documented |= {
        name
        for line in DOC.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([\w-]+\.(?:yaml|json))`", line.split("|")[1])
    }
    assert shipped - documented == set(), "document these files in docs/settings.md"
    loader = "".join(p.read_text() for p in (ROOT / "fleetmanager" / "fleetconfig").glob("*.py"))
    loader += (ROOT / "fleetmanager" / "settings.py").read_text()
    assert {name for name in documented if name not in loader} == set(), "documented files the code never reads"
