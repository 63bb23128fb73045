"""Loading the config file: read the TOML, resolve its paths against the file's folder, validate,
and list every problem in one `ConfigError`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError

from followup.sync.sources.registry import source_paths
from followup.udfs.errors import FollowupError

from .errors import HIDDEN, ConfigError, message
from .models import Config

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

__all__ = ["load_config"]


def _resolve(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Make the file's relative paths relative to the config file's folder."""
    raw = dict(raw)

    def fix(p: Any) -> Any:
        if not isinstance(p, str):
            return p
        q = Path(p).expanduser()
        return str(q if q.is_absolute() else base / q)

    src = raw.get("sources")
    if isinstance(src, dict):
        src = dict(src)
        for key in source_paths():  # each source kind's path keys (sources.registry)
            value = src.get(key)
            if isinstance(value, list):
                src[key] = [fix(p) for p in value]
            elif key in src:
                src[key] = fix(value)
        raw["sources"] = src
    if "report_dir" not in raw:
        raw["report_dir"] = "reports"  # beside the config file
    if isinstance(raw.get("report_dir"), str):
        raw["report_dir"] = fix(raw["report_dir"])
    if isinstance(raw.get("today"), dict) and isinstance(raw["today"].get("out"), str):
        raw["today"] = {**raw["today"], "out": fix(raw["today"]["out"])}
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
        raise ConfigError(
            f"找不到配置文件 {p},请检查路径或用 --source 指定工作簿 "
            f"(config file {p} not found: check the path, or use --source)"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"配置文件 {p} 是一个文件夹,请给出 .toml 文件的路径 "
            f"(config file {p} is a folder: give the path of the .toml file)"
        ) from None
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"配置文件 {p} 不是 UTF-8 文本 ({e.reason},第 {e.start} 字节),请保存为 UTF-8 编码 "
            f"(config file {p} is not UTF-8 text: save it as UTF-8)"
        ) from None
    except OSError as e:
        raise ConfigError(
            f"无法读取配置文件 {p}: {e.strerror or e},请检查路径和权限 "
            f"(cannot read config file {p}: check the path and its permissions)"
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(
            f"{head}\n  TOML 语法错误: {e};请检查引号、括号和等号 "
            f"(TOML syntax error: {e}; check quotes, brackets and '=')"
        ) from None
    raw = _resolve(raw, p.resolve().parent)
    sa = (raw.get("sources") or {}).get("service_account") if isinstance(raw.get("sources"), dict) else None
    problems: list[str] = []
    if isinstance(sa, str) and not Path(sa).is_file():
        problems.append(
            f"  sources.service_account = {HIDDEN}: 服务账号 JSON 文件不存在,请检查路径(相对于配置文件) "
            f"(service-account JSON file not found: check the path, relative to the config file)"
        )
    oc = (raw.get("sources") or {}).get("oauth_client") if isinstance(raw.get("sources"), dict) else None
    if isinstance(oc, str) and not Path(oc).is_file():
        problems.append(
            f"  sources.oauth_client = {HIDDEN}: OAuth 客户端 JSON 文件不存在,请检查路径(相对于配置文件) "
            f"(OAuth client JSON file not found: check the path, relative to the config file)"
        )
    try:
        cfg = Config.model_validate({**raw, "path": p})
    except ValidationError as e:
        problems += [message(err) for err in e.errors()]
        cfg = None
    except FollowupError as e:  # a playbook file that does not validate
        problems.append(f"  playbook = {raw.get('playbook')!r}: {e}")
        cfg = None
    if problems:
        raise ConfigError(head + "\n" + "\n".join(problems))
    return cast(Config, cfg)  # no problems: validated
