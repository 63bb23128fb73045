"""Config errors: `ConfigError` and one message line per pydantic error, with the file's key
path, the value (secrets hidden), the fix (Chinese first, then English) and "did you mean"."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from followup.udfs.errors import FollowupError
from followup.udfs.rules import GroupQuota, Quotas, Tier

from .models import Config
from .sections import Limits, Penalty, Sources, StoreConfig, TodayConfig

__all__ = ["ConfigError", "HIDDEN", "message"]

HIDDEN = "(已隐藏 / hidden)"
_SECRET_KEYS = {"service_account", "oauth_client"}


class ConfigError(FollowupError):
    """A config file that cannot be used; the message names file, key, value and the fix."""


_FIELDS: dict[str, type[BaseModel]] = {
    "": Config,
    "stores": StoreConfig,
    "sources": Sources,
    "penalty": Penalty,
    "limits": Limits,
    "quotas": Quotas,
    "groups": GroupQuota,
    "tiers": Tier,
    "today": TodayConfig,
}


def _where(loc: tuple[Any, ...]) -> str:
    """('stores', 2, 'group') → 'stores[3].group' (1-based, as the user counts [[stores]])."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    parents = [p for p in loc[:-1] if isinstance(p, str) and p in _FIELDS]
    model = _FIELDS[parents[-1] if parents else ""]
    if model is None:
        return ""
    names = [n for n in model.model_fields if n != "path"]
    close = difflib.get_close_matches(str(loc[-1]).lower(), names, n=1, cutoff=0.6)
    if close:
        return f"你是不是想写 {close[0]}? (did you mean {close[0]}?) "
    return f"可用的键: {', '.join(names)} (allowed keys: {', '.join(names)}) "


_FIX = {
    "missing": ("缺少必填项,请补上", "this key is required"),
    "extra_forbidden": ("未知的键,请删除或改正拼写", "unknown key: remove it or fix its spelling"),
    "literal_error": ("取值不在允许范围内", "value not allowed"),
    "bool_parsing": ("应为 true 或 false", "expected true or false"),
    "bool_type": ("应为 true 或 false", "expected true or false"),
    "string_type": ("应为文本(用引号括起来)", "expected text in quotes"),
    "list_type": ('应为列表,例如 ["a", "b"]', 'expected a list such as ["a", "b"]'),
    "int_parsing": ("应为整数", "expected a whole number"),
    "int_type": ("应为整数", "expected a whole number"),
    "float_parsing": ("应为数字", "expected a number"),
    "float_type": ("应为数字", "expected a number"),
    "greater_than_equal": ("数值太小", "the number is too small"),
    "greater_than": ("数值太小", "the number is too small"),
    "model_type": ("应为一个表 [..]", "expected a table"),
    "dict_type": ("应为一个表 [..]", "expected a table"),
    "too_short": ("不能为空", "must not be empty"),
    "string_too_short": ("不能为空", "must not be empty"),
}


def message(err: Mapping[str, Any]) -> str:
    typ, loc = err["type"], tuple(err["loc"])
    value = err.get("input")
    secret = any(p in _SECRET_KEYS for p in loc if isinstance(p, str))
    shown = HIDDEN if secret else repr(value)
    if typ == "value_error":
        fix = str(err.get("ctx", {}).get("error", err["msg"]))
    elif typ in _FIX:
        zh, en = _FIX[typ]
        extra = ""
        if typ == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            extra = f": {expected}"
        elif typ in ("greater_than_equal", "greater_than"):
            limit = err.get("ctx", {}).get("ge", err.get("ctx", {}).get("gt"))
            extra = f" (≥ {limit})" if typ == "greater_than_equal" else f" (> {limit})"
        fix = f"{zh}{extra} ({en}{extra})"
        if typ == "extra_forbidden":
            fix = f"{zh} ({en}); " + _did_you_mean(loc)
    else:
        fix = f"取值无效 (invalid value: {err['msg']})"
    table = isinstance(value, Mapping) or (isinstance(value, list) and any(isinstance(v, Mapping) for v in value))
    if typ == "missing" or not loc or table:
        # a missing key, or a check of a whole table (e.g. a store listed twice): the message
        # names what is wrong; the table's contents would only be noise
        return f"  {_where(loc)}: {fix.strip()}"
    return f"  {_where(loc)} = {shown}: {fix.strip()}"
