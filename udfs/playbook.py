"""Playbooks: follow-up rules declared as data (TOML), validated on load.

A playbook file ships in `followup/udfs/playbooks/` or is the user's own; a user file may say
`extends = "optometry"` and override only what differs (tables are merged key by key).

The built-in playbooks are the `*.toml` files of that folder (`builtin_playbooks()`): adding one
is adding one file. Its optional `[samples]` table holds the sample rows its workbook template
ships with (`playbook_samples`; see CONTRIBUTING.md); the rules engine ignores it.
"""

from __future__ import annotations

import sys
from functools import cached_property, lru_cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import ValidationError, model_validator

from .errors import BadArgument, PlaybookError
from .messages import expected
from .rules import ClassRule, DailySms, DeriveRule, Model, Quotas, Routing
from .schema import normalize, outcome_code
from .sms import SmsSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

__all__ = ["Playbook", "load_playbook", "get_playbook", "builtin_playbooks", "playbook_samples", "DEFAULT_PLAYBOOK"]

DEFAULT_PLAYBOOK = "optometry"


class Playbook(Model):
    name: str
    title: str
    title_en: str = ""
    source: str = ""
    default_class: str | None = None
    open_before_days: int = 2
    max_attempts: int = 2
    retry_after_days: int = 1
    urgent_flags: tuple[str, ...] = ()
    urgent_purpose: str = "第一时间回访:处理投诉或不适"
    dnc_sms_months: int | None = None  # after 拒访, SMS steps continue this long (None: none)
    unreachable_sms: str | None = None  # purpose of the SMS after a step closes unreachable (None: no SMS)
    sms_flags: tuple[str, ...] = ()  # customers with one of these flags get routine callbacks by SMS
    daily_sms: tuple[DailySms, ...] = ()  # the daily SMS list (`followup today`), by customer dates
    max_calls_per_month: int | None = None
    routing: Routing | None = None
    derive: tuple[DeriveRule, ...] = ()
    classes: dict[str, ClassRule] = {}
    quotas: Quotas | None = None
    sms: SmsSettings | None = None  # SMS message templates (seed 001 短信群发)

    @model_validator(mode="after")
    def _check(self) -> Playbook:
        codes = set(self.classes)
        refs = [("default_class", self.default_class)] if self.default_class else []
        refs += [(f"derive[{i}].class", d.cls) for i, d in enumerate(self.derive)]
        for code, c in self.classes.items():
            if c.on_complete:
                refs.append((f"classes.{code}.on_complete.to", c.on_complete.to))
            refs += [(f"classes.{code}.routes.{k}", v) for k, v in c.routes.items()]
        if self.routing:
            refs.append(("routing.class", self.routing.cls))
        for where, code in refs:
            if code not in codes:
                raise ValueError(f"{where} = {code!r} is not a class of this playbook ({', '.join(codes)})")
        return self

    @cached_property
    def _class_names(self) -> dict[str, str]:
        names = {}
        for code, c in reversed(list(self.classes.items())):  # codes win over titles
            for name in (c.title_en, *c.aliases, c.title, code):
                if name:
                    names[normalize(name)] = code
        return names

    def class_code(self, value: object, argument: str = "class") -> str | None:
        """A class code or its Chinese title/alias → the code; empty → None; unknown → BadArgument."""
        if isinstance(value, str) and value in self.classes:
            return value
        text = normalize(value)
        if not text:
            return None
        if text in self._class_names:
            return self._class_names[text]
        if not self.classes:
            raise BadArgument(argument, value, expected("no_classes", playbook=self.name))
        classes = ", ".join(f"{k} {c.title}" for k, c in self.classes.items())
        raise BadArgument(
            argument, value, expected("classes", playbook=self.name, classes=classes, codes=", ".join(self.classes))
        )

    def route(self, code: str, outcome: object) -> str:
        rule = self.classes[code]
        text = normalize(outcome)
        for key, to in rule.routes.items():
            if normalize(key) == text or (outcome_code(key) and outcome_code(key) == outcome_code(outcome)):
                return to
        return rule.routes.get("*", code)


def _expand(raw: dict[str, Any]) -> dict[str, Any]:
    """Give each class its code and expand series steps into one step per date."""
    for code, c in raw.get("classes", {}).items():
        c.setdefault("code", code)
        steps = []
        for s in c.get("steps", []):
            series = s.get("series")
            if series:
                for i in range(int(series.get("count", 0))):
                    steps.append({**s, "dom_index": i})
            else:
                steps.append(s)
        c["steps"] = steps
    return raw


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _read(name_or_path: str | Path) -> tuple[dict[str, Any], str]:
    p = Path(name_or_path)
    if p.suffix == ".toml" and p.exists():
        return tomllib.loads(p.read_text(encoding="utf-8")), str(p)
    name = str(name_or_path).strip().lower()
    res = _builtin_root() / f"{name}.toml"
    if not res.is_file():
        raise BadArgument("playbook", name_or_path, expected("playbook", names=", ".join(builtin_playbooks())))
    return tomllib.loads(res.read_text(encoding="utf-8")), f"{name}.toml"


def load_playbook(name_or_path: str | Path) -> Playbook:
    """Load and validate a built-in playbook by name, or a user TOML file (which may `extends`)."""
    try:
        raw, where = _read(name_or_path)
    except tomllib.TOMLDecodeError as e:
        raise PlaybookError(f"回访方案文件 {name_or_path} 不是有效的 TOML: {e}") from None
    raw.pop("samples", None)  # template sample rows, not rules
    if "extends" in raw:
        parent, _ = _read(raw.pop("extends"))
        parent.pop("samples", None)
        raw = _merge(parent, raw)
    try:
        return Playbook.model_validate(_expand(raw))
    except ValidationError as e:
        lines = [f"  {'.'.join(map(str, err['loc']))} = {err.get('input')!r}: {err['msg']}" for err in e.errors()]
        raise PlaybookError(f"回访方案 {where} 有误 (playbook {where} is invalid):\n" + "\n".join(lines)) from None


def get_playbook(name_or_path: str = "optometry") -> Playbook:
    """Cached `load_playbook`; empty → the default `optometry`. A user's playbook file is keyed by
    its path, size and modification time, so an edited file is read again (the file it `extends`
    is read with it, not watched); at most 64 playbooks are kept."""
    key = name_or_path or "optometry"
    return _cached_playbook(key, _file_stamp(key))


def _file_stamp(name_or_path: str) -> tuple[int, int] | None:
    """(modification time in ns, size) of a playbook file; None for a built-in name."""
    p = Path(name_or_path)
    if p.suffix != ".toml":
        return None
    try:
        st = p.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


@lru_cache(maxsize=64)
def _cached_playbook(name_or_path: str, stamp: tuple[int, int] | None) -> Playbook:
    return load_playbook(name_or_path)


def clear_cache() -> None:
    """Forget every cached playbook (tests that swap the built-in folder)."""
    _cached_playbook.cache_clear()


def _builtin_root() -> Traversable:
    """Where the built-in playbooks live (package data)."""
    return resources.files("followup.udfs.playbooks")


def builtin_playbooks() -> list[str]:
    """The names of the built-in playbooks: every `*.toml` in `udfs/playbooks/`, sorted."""
    return sorted(p.name[:-5] for p in _builtin_root().iterdir() if p.name.endswith(".toml"))


def playbook_samples(name: str) -> dict[str, Any]:
    """A built-in playbook's `[samples]` table (the sample rows of its workbook template), or {}:
    `store` (the sample store's name), `customers`, `calls`, `gifts` (lists of rows keyed by the
    canonical column keys of `udfs.schema`)."""
    raw, _ = _read(name)
    samples = raw.get("samples", {})
    return samples if isinstance(samples, dict) else {}
