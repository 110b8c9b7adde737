"""Stripe's form encoding (``items[0][price]=...``) parsed into nested values, and typed, checked access to them."""

from __future__ import annotations

import builtins
import re
from typing import Any, Literal, overload
from urllib.parse import parse_qsl

from .errors import StripeError, invalid, missing_param, unknown_param

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def parse_form(text: str) -> dict[str, Any]:
    """Parse ``a[b][0]=x&expand[]=y`` into nested dicts; list indices stay dict keys until read as a list."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        head, _, rest = key.partition("[")
        path = [head, *_SEGMENT.findall("[" + rest)] if rest else [head]
        node = root
        for position, segment in enumerate(path):
            last = position == len(path) - 1
            if segment == "":
                # `expand[]=a&expand[]=b`: the next free index, as other Stripe clients send arrays.
                segment = str(len(node))
            if last:
                if isinstance(node.get(segment), dict):
                    raise invalid(f"Invalid value for {key}: it is also used as a hash.", param=key)
                node[segment] = value
            else:
                child = node.setdefault(segment, {})
                if not isinstance(child, dict):
                    raise invalid(f"Invalid hash for {key}.", param=key)
                node = child
    return root


def _as_list(value: Any) -> list[Any] | None:
    if isinstance(value, dict) and all(key.isdigit() for key in value):
        return [value[key] for key in sorted(value, key=int)]
    return None


class Params:
    """Read access to one level of request parameters, with Stripe's error messages for bad input."""

    def __init__(self, data: dict[str, Any], path: str = "") -> None:
        self.data = data
        self.path = path

    def name(self, key: str) -> str:
        return f"{self.path}[{key}]" if self.path else key

    def only(self, *allowed: str) -> Params:
        """Refuse any parameter not listed: an ignored parameter would make the sandbox agree where Stripe won't."""
        for key in self.data:
            if key not in allowed and key != "expand":
                raise unknown_param(self.name(key))
        return self

    def has(self, key: str) -> bool:
        return key in self.data

    @overload
    def str(
        self, key: str, *, required: Literal[True], choices: tuple[str, ...] | None = None, default: None = None
    ) -> str: ...
    @overload
    def str(
        self, key: str, *, required: bool = False, choices: tuple[str, ...] | None = None, default: str | None = None
    ) -> str | None: ...
    def str(
        self, key: str, *, required: bool = False, choices: tuple[str, ...] | None = None, default: str | None = None
    ) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise missing_param(self.name(key))
            return default
        if not isinstance(value, str):
            raise invalid(f"Invalid string: {self.name(key)} must be a string, not a hash.", param=self.name(key))
        if value == "":
            if required:
                name = self.name(key)
                raise invalid(
                    f"You passed an empty string for '{name}'. We assume empty values are an attempt to unset a "
                    f"parameter; however '{name}' cannot be unset. You should remove '{name}' from your request or "
                    "supply a non-empty value.",
                    param=name,
                )
            return None
        if choices and value not in choices:
            options = ", ".join(choices[:-1]) + f", or {choices[-1]}" if len(choices) > 1 else choices[0]
            raise invalid(f"Invalid {self.name(key)}: must be one of {options}", param=self.name(key))
        return value

    # Below, a method of this class shadows each builtin it is named after, so their annotations name builtins.
    @overload
    def int(
        self, key: builtins.str, *, required: Literal[True], minimum: int | None = None, default: None = None
    ) -> int: ...
    @overload
    def int(
        self,
        key: builtins.str,
        *,
        required: builtins.bool = False,
        minimum: int | None = None,
        default: int | None = None,
    ) -> int | None: ...
    def int(
        self,
        key: builtins.str,
        *,
        required: builtins.bool = False,
        minimum: int | None = None,
        default: int | None = None,
    ) -> int | None:
        text = self.str(key, required=required)
        if text is None:
            return default
        try:
            number = int(text)
        except ValueError:
            raise StripeError(
                f"Invalid integer: {text}", code="parameter_invalid_integer", param=self.name(key)
            ) from None
        if minimum is not None and number < minimum:
            raise invalid(
                f"This value must be greater than or equal to {minimum}.",
                param=self.name(key),
                code="parameter_invalid_integer",
            )
        return number

    def float(self, key: builtins.str) -> float | None:
        text = self.str(key)
        if text is None:
            return None
        try:
            return float(text)
        except ValueError:
            raise invalid(f"Invalid decimal: {text}", param=self.name(key)) from None

    def bool(self, key: builtins.str, *, default: builtins.bool | None = None) -> builtins.bool | None:
        text = self.str(key)
        if text is None:
            return default
        if text not in ("true", "false"):
            raise invalid(f"Invalid boolean: {text}", param=self.name(key))
        return text == "true"

    def timestamp(self, key: builtins.str, *, allow_now: builtins.bool = False) -> builtins.int | Literal["now"] | None:
        """A Unix timestamp, or the literal ``now`` where Stripe allows it (``trial_end=now``)."""
        if allow_now and self.data.get(key) == "now":
            return "now"
        return self.int(key)

    def metadata(self, key: builtins.str = "metadata") -> dict[builtins.str, builtins.str | None] | None:
        """Metadata to merge: a value of ``None`` deletes that key, and ``metadata=""`` deletes them all."""
        value = self.data.get(key)
        if value is None:
            return None
        if value == "":
            return {"*": None}
        if not isinstance(value, dict):
            raise invalid("Invalid hash", param=self.name(key))
        result: dict[builtins.str, builtins.str | None] = {}
        for name, item in value.items():
            if not isinstance(item, str):
                raise invalid("Metadata values must be strings.", param=f"{self.name(key)}[{name}]")
            result[name] = item if item != "" else None
        return result

    @overload
    def sub(self, key: builtins.str, *, required: Literal[True]) -> Params: ...
    @overload
    def sub(self, key: builtins.str, *, required: builtins.bool = False) -> Params | None: ...
    def sub(self, key: builtins.str, *, required: builtins.bool = False) -> Params | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise missing_param(self.name(key))
            return None
        if not isinstance(value, dict):
            raise invalid("Invalid hash", param=self.name(key))
        return Params(value, self.name(key))

    def list(self, key: builtins.str, *, required: builtins.bool = False) -> builtins.list[Any]:
        """An array parameter; hash entries come back as Params, plain values as strings."""
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise missing_param(self.name(key))
            return []
        items = _as_list(value)
        if items is None:
            raise invalid("Invalid array", param=self.name(key))
        return [
            Params(item, f"{self.name(key)}[{index}]") if isinstance(item, dict) else item
            for index, item in enumerate(items)
        ]

    def expand(self) -> builtins.list[builtins.str]:
        return [item for item in self.list("expand") if isinstance(item, str)]


def apply_metadata(target: dict[str, str], changes: dict[str, str | None] | None) -> None:
    """Merge metadata the way Stripe does: new keys added, empty values delete, ``metadata=""`` clears."""
    if changes is None:
        return
    if changes == {"*": None}:
        target.clear()
        return
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
