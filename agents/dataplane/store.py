"""Resources of one simulated cluster as YAML files: ``<root>/<namespace>/<file>.yaml``.

Each ManagedKafka lives in its own namespace, as on a real data plane; removing an
instance removes its namespace directory, as kas-fleetshard deletes the namespace.
Files are replaced atomically (write aside, then rename), so a reader (the console, a
person with ``cat``) never sees half a resource.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def dump(documents: list[dict[str, Any]]) -> str:
    return yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120)


def load(text: str) -> list[dict[str, Any]]:
    return [document for document in yaml.load_all(text, Loader=_Loader) if document is not None]


class RenderStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, namespace: str, name: str) -> Path:
        if not namespace or "/" in namespace or namespace.startswith("."):
            raise ValueError(f"{namespace!r} is not a namespace")
        return self.root / namespace / f"{name}.yaml"

    def write(self, namespace: str, name: str, documents: list[dict[str, Any]]) -> Path:
        target = self.path(namespace, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(dump(documents))
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    def remove(self, namespace: str, name: str) -> None:
        self.path(namespace, name).unlink(missing_ok=True)

    def read(self, namespace: str, name: str) -> list[dict[str, Any]]:
        try:
            return load(self.path(namespace, name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []

    def remove_namespace(self, namespace: str) -> None:
        shutil.rmtree(self.path(namespace, "x").parent, ignore_errors=True)

    def namespaces(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
