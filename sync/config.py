"""The sync's one TOML config file (SPEC §4.3), validated with pydantic.

    [[stores]]
    name = "一店"
    group = "1"          # "1".."4"
    small = false

    [sources]
    excel = ["stores/"]                 # files or folders, relative to this file
    gsheets = ["1AbC…"]                 # spreadsheet keys (or their URLs)
    service_account = "sa.json"         # never printed or logged

    playbook = "optometry"              # a built-in name or a .toml path
    report_dir = "reports"
    timezone = "Asia/Shanghai"
    lang = "zh"                         # "zh" | "en"

    [quotas]                            # merged over the retail defaults
    groups."1" = { weekly = [160, 190] }

    [penalty]
    first = 10                          # 元
    factor = 2
    window_days = 365

`load_config(path)` raises `ConfigError` naming the file, the key, the value and the fix,
Chinese first then English. Unknown keys are errors, with a "did you mean" suggestion.
"""
from __future__ import annotations

import copy
import difflib
import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from followup.udfs.errors import FollowupError
from followup.udfs.playbook import builtin_playbooks, get_playbook, load_playbook
from followup.udfs.rules import GroupQuota, Quotas, Tier

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

__all__ = ["ConfigError", "StoreConfig", "Sources", "Penalty", "Config", "load_config",
           "default_quotas"]

_HIDDEN = "(已隐藏 / hidden)"
_SECRET_KEYS = {"service_account"}


class ConfigError(FollowupError):
    """A config file that cannot be used; the message names file, key, value and the fix."""


def default_quotas() -> dict[str, Any]:
    """The retail playbook's [quotas] table as plain data (the base that [quotas] overrides)."""
    q = get_playbook("retail").quotas
    return q.model_dump(mode="python") if q else {}


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreConfig(_Model):
    name: str = Field(min_length=1)
    group: Literal["1", "2", "3", "4"]
    small: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("门店名称不能为空 (the store name must not be empty)")
        return v

    @field_validator("group", mode="before")
    @classmethod
    def _group(cls, v):
        if isinstance(v, bool):
            return v
        if isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
            return str(int(v))
        if isinstance(v, str):
            return {"一": "1", "二": "2", "三": "3", "四": "4"}.get(v.strip().rstrip("组"), v.strip())
        return v


_KEY = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


class Sources(_Model):
    excel: list[Path] = []
    gsheets: list[str] = []
    service_account: Path | None = Field(default=None, repr=False)

    @field_validator("excel", "gsheets", mode="before")
    @classmethod
    def _listify(cls, v):
        return [v] if isinstance(v, (str, Path)) else v

    @field_validator("gsheets")
    @classmethod
    def _keys(cls, v: list[str]) -> list[str]:
        out = []
        for key in v:
            key = key.strip()
            m = _KEY.search(key)
            if m:
                key = m.group(1)
            if not re.fullmatch(r"[A-Za-z0-9_-]{10,}", key):
                raise ValueError("应为 Google 表格的密钥(网址中 /d/ 与 /edit 之间的部分)"
                                 "(expected a spreadsheet key: the part of its URL between /d/ and /edit)")
            out.append(key)
        return out


class Penalty(_Model):
    first: float = Field(10.0, ge=0)         # 元, the first late filing
    factor: float = Field(2.0, ge=1)         # each repeat multiplies by this
    window_days: int = Field(365, gt=0)      # repeats counted within this many days


class Config(_Model):
    stores: list[StoreConfig] = []
    sources: Sources = Sources()
    playbook: str = "optometry"
    quotas: Quotas = Field(default_factory=lambda: Quotas.model_validate(default_quotas()))
    report_dir: Path = Path("reports")
    timezone: str = "Asia/Shanghai"
    penalty: Penalty = Penalty()
    lang: Literal["zh", "en"] = "zh"
    path: Path | None = Field(default=None, exclude=True)   # the file it was read from

    @field_validator("quotas", mode="before")
    @classmethod
    def _quotas(cls, v):
        if isinstance(v, dict):
            return _merge(default_quotas(), v)
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError("未知的时区,请写如 Asia/Shanghai 的 IANA 时区名 "
                             "(unknown time zone: use an IANA name such as Asia/Shanghai)") from None
        return v

    @field_validator("playbook")
    @classmethod
    def _playbook(cls, v: str) -> str:
        v = v.strip()
        if v.lower().endswith(".toml"):
            if not Path(v).is_file():
                raise ValueError("回访方案文件不存在,请检查路径(相对于配置文件) "
                                 "(playbook file not found: check the path, relative to the config file)")
            load_playbook(v)   # PlaybookError → reported by load_config
            return v
        if v.lower() not in builtin_playbooks():
            raise ValueError(f"未知的回访方案,可用: {', '.join(builtin_playbooks())},或一个 .toml 文件 "
                             f"(unknown playbook: use one of {', '.join(builtin_playbooks())} or a .toml file)")
        return v.lower()

    @model_validator(mode="after")
    def _unique_stores(self):
        seen: set[str] = set()
        for s in self.stores:
            if s.name in seen:
                raise ValueError(f"门店 {s.name!r} 重复出现在 [[stores]] 中,请删除重复项 "
                                 f"(store {s.name!r} is listed twice in [[stores]])")
            seen.add(s.name)
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def store(self, name: str) -> StoreConfig | None:
        """The [[stores]] entry with this name (trimmed), else None."""
        name = name.strip()
        return next((s for s in self.stores if s.name == name), None)

    @classmethod
    def default(cls, sources: list[str | Path] = (), out: str | Path | None = None, **overrides) -> "Config":
        """The config used when the CLI has no --config: `--source` paths and `--out`, defaults otherwise."""
        data: dict[str, Any] = {"sources": {"excel": [Path(s) for s in sources]}, **overrides}
        if out is not None:
            data["report_dir"] = Path(out)
        return cls.model_validate(data)


# ---------------------------------------------------------------------------------------------
# Loading and error messages

_FIELDS: dict[str, type[BaseModel]] = {"": Config, "stores": StoreConfig, "sources": Sources,
                                       "penalty": Penalty, "quotas": Quotas, "groups": GroupQuota,
                                       "tiers": Tier}


def _where(loc: tuple) -> str:
    """('stores', 2, 'group') → 'stores[3].group' (1-based, as the user counts [[stores]])."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _did_you_mean(loc: tuple) -> str:
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
    "list_type": ("应为列表,例如 [\"a\", \"b\"]", "expected a list such as [\"a\", \"b\"]"),
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


def _message(err: dict) -> str:
    typ, loc = err["type"], tuple(err["loc"])
    value = err.get("input")
    secret = any(p in _SECRET_KEYS for p in loc if isinstance(p, str))
    shown = _HIDDEN if secret else repr(value)
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
    if typ == "missing":
        return f"  {_where(loc)}: {fix.strip()}"
    return f"  {_where(loc)} = {shown}: {fix.strip()}"


def _resolve(raw: dict, base: Path) -> dict:
    """Make the file's relative paths relative to the config file's folder."""
    raw = dict(raw)

    def fix(p):
        if not isinstance(p, str):
            return p
        q = Path(p).expanduser()
        return str(q if q.is_absolute() else base / q)

    src = raw.get("sources")
    if isinstance(src, dict):
        src = dict(src)
        ex = src.get("excel")
        if isinstance(ex, str):
            ex = [ex]
        if isinstance(ex, list):
            src["excel"] = [fix(p) for p in ex]
        if "service_account" in src:
            src["service_account"] = fix(src["service_account"])
        raw["sources"] = src
    if "report_dir" not in raw:
        raw["report_dir"] = "reports"       # beside the config file
    if isinstance(raw.get("report_dir"), str):
        raw["report_dir"] = fix(raw["report_dir"])
    pb = raw.get("playbook")
    if isinstance(pb, str) and pb.strip().lower().endswith(".toml"):
        raw["playbook"] = fix(pb.strip())
    return raw


def load_config(path: str | Path) -> Config:
    """Read and validate one TOML config file; every problem is listed in one ConfigError."""
    p = Path(path)
    head = f"配置文件 {p} 有误 (config file {p} is invalid):"
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {p},请检查路径或用 --source 指定工作簿 "
                          f"(config file {p} not found: check the path, or use --source)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"无法读取配置文件 {p}: {e} (cannot read config file {p}); "
                          f"请保存为 UTF-8 编码的文本 (save it as UTF-8 text)") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{head}\n  TOML 语法错误: {e};请检查引号、括号和等号 "
                          f"(TOML syntax error: {e}; check quotes, brackets and '=')") from None
    raw = _resolve(raw, p.resolve().parent)
    sa = (raw.get("sources") or {}).get("service_account") if isinstance(raw.get("sources"), dict) else None
    problems: list[str] = []
    if isinstance(sa, str) and not Path(sa).is_file():
        problems.append(f"  sources.service_account = {_HIDDEN}: 服务账号 JSON 文件不存在,请检查路径(相对于配置文件) "
                        f"(service-account JSON file not found: check the path, relative to the config file)")
    try:
        cfg = Config.model_validate({**raw, "path": p})
    except ValidationError as e:
        problems += [_message(err) for err in e.errors()]
        cfg = None
    except FollowupError as e:   # a playbook file that does not validate
        problems.append(f"  playbook = {raw.get('playbook')!r}: {e}")
        cfg = None
    if problems:
        raise ConfigError(head + "\n" + "\n".join(problems))
    return cfg
