"""Reading upstream-format YAML files with errors that name the file and the field.

A ``Node`` wraps one value of a parsed document together with its path
(``supported_instance_types[0].sizes[1].maxPartitions``); its typed accessors
raise ``ConfigError`` naming both the file and that path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ImproperlyConfigured

_MISSING = object()


class ConfigError(ImproperlyConfigured):
    def __init__(self, file: str, field: str, message: str) -> None:
        self.file = file
        self.field = field
        location = f"{file}: {field}" if field else file
        super().__init__(f"{location}: {message}")


def load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            # Loading from the open file lets YAML errors name the file's path and line.
            return yaml.safe_load(stream)
    except FileNotFoundError:
        raise ConfigError(path.name, "", f"file not found at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path.name, "", f"cannot be read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(path.name, "", f"is not valid YAML: {exc}") from None


class Node:
    """A value inside a config file, with the path used in error messages."""

    def __init__(self, file: str, value: Any, path: str = "") -> None:
        self.file = file
        self.value = value
        self.path = path

    def error(self, message: str, field: str | None = None) -> ConfigError:
        return ConfigError(self.file, self._join(field) if field else self.path, message)

    def _join(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    # --- containers ---------------------------------------------------------------
    def mapping(self) -> dict[str, Any]:
        if self.value is None:
            return {}
        if not isinstance(self.value, dict):
            raise self.error(f"must be a mapping, got {type(self.value).__name__}")
        return self.value

    def items(self) -> Iterator[Node]:
        if self.value is None:
            return
        if not isinstance(self.value, list):
            raise self.error(f"must be a list, got {type(self.value).__name__}")
        for index, item in enumerate(self.value):
            yield Node(self.file, item, self._join(index))

    def child(self, key: str) -> Node:
        return Node(self.file, self.mapping().get(key), self._join(key))

    def has(self, key: str) -> bool:
        return key in self.mapping()

    # --- scalars ------------------------------------------------------------------
    def string(self, key: str, default: Any = _MISSING) -> str:
        value = self.mapping().get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                raise self.error("is required", key)
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(f"must be a string, got {type(value).__name__}", key)
        return str(value)

    def integer(self, key: str, default: Any = _MISSING, *, minimum: int | None = None) -> int:
        value = self.mapping().get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                raise self.error("is required", key)
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"must be an integer, got {value!r}", key)
        if minimum is not None and value < minimum:
            raise self.error(f"must be at least {minimum}, got {value}", key)
        return value

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        value = self.mapping().get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                raise self.error("is required", key)
            return default
        if not isinstance(value, bool):
            raise self.error(f"must be true or false, got {value!r}", key)
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        node = self.child(key)
        result = []
        for item in node.items():
            if isinstance(item.value, bool) or not isinstance(item.value, str | int):
                raise item.error(f"must be a string, got {item.value!r}")
            result.append(str(item.value))
        return tuple(result)


def string_list(file: str, document: Any) -> tuple[str, ...]:
    """A file that is a plain YAML list of strings (deny list, owner list, ...)."""
    root = Node(file, document)
    values = []
    for item in root.items():
        if isinstance(item.value, bool) or not isinstance(item.value, str | int):
            raise item.error(f"must be a string, got {item.value!r}")
        values.append(str(item.value))
    return tuple(values)
