"""The two files to paste into xlwings Lite: `main.py` and `requirements.txt` (`followup addin lite`).

xlwings Lite installs `requirements.txt` with micropip inside Excel, so followup itself must come
from somewhere a browser can fetch: a wheel URL on an HTTPS server that allows CORS (a release
asset, an internal web server) or a package index (`--index-url`). `requirements_text` writes the
list for either; the shipped `addin/lite/requirements.txt` is `requirements_text()` with a
placeholder URL that says what to change (`tests/unit/test_addin_lite.py` keeps it so).

    followup addin lite --wheel-url https://host/followup-0.1.0-py3-none-any.whl --out lite/
    followup addin lite --index-url https://pypi.internal/simple --out lite/
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

__all__ = ["LITE", "PLACEHOLDER_URL", "requirements_text", "write_pair", "LiteError", "version"]

LITE = Path(__file__).resolve().parent / "lite"
PLACEHOLDER_URL = "https://CHANGE-ME.invalid/followup-{version}-py3-none-any.whl"
# Pyodide ships the compiled ones itself (do not pin them); the others are pure Python.
PACKAGES = ("numpy", "pandas", "pydantic", "python-dateutil", "holidays", "phonenumbers", "tzdata", "xlwings")
_WHEEL = re.compile(r"^followup-[^-/]+-py3-none-any\.whl$")


class LiteError(ValueError):
    """A URL the files cannot use; the message says why (Chinese, then English)."""


def version() -> str:
    """The version of this followup (the wheel `make wheel` builds from this tree)."""
    from importlib.metadata import version as dist_version

    return dist_version("followup")


def _https(url: str, what: str) -> str:
    url = url.strip()
    parts = urlparse(url)
    if parts.scheme != "https" or not parts.netloc:
        raise LiteError(
            f"{what} 应为 https:// 地址(xlwings Lite 在浏览器中运行,只能下载 https 且允许 CORS 的地址): {url!r} "
            f"({what} must be an https:// URL that allows CORS)"
        )
    return url


def requirements_text(wheel_url: str | None = None, index_url: str | None = None) -> str:
    """requirements.txt for xlwings Lite: the engine's packages and followup from `wheel_url` (a
    hosted wheel) or `index_url` (an index serving followup); neither: the shipped placeholder."""
    if wheel_url and index_url:
        raise LiteError("--wheel-url 与 --index-url 只能选一个 (give either --wheel-url or --index-url)")
    v = version()
    lines = ["# xlwings Lite requirements for the followup cell functions (paste into the requirements.txt tab)."]
    if index_url:
        lines += [
            "# followup comes from this package index (it must serve followup and allow CORS):",
            f"--index-url {_https(index_url, '--index-url')}",
        ]
    lines += ["# Pyodide ships the compiled packages itself: do not pin them.", *PACKAGES]
    if index_url:
        lines.append(f"followup=={v}")
    elif wheel_url:
        url = _https(wheel_url, "--wheel-url")
        name = urlparse(url).path.rsplit("/", 1)[-1]
        if not _WHEEL.match(name):
            raise LiteError(
                f"--wheel-url 应指向 followup 的 wheel 文件 followup-<版本>-py3-none-any.whl,而不是 {name!r} "
                f"(--wheel-url must name a followup-<version>-py3-none-any.whl file)"
            )
        lines += ["# followup itself: the wheel `make wheel` built, hosted where the browser can fetch it.", url]
    else:
        lines += [
            "# followup itself. CHANGE the next line: `make wheel` builds dist/followup-<version>-py3-none-any.whl;",
            "# host it on an https server that allows CORS and put its URL here, or let",
            "# `followup addin lite --wheel-url URL` (or --index-url URL) write this file for you.",
            PLACEHOLDER_URL.format(version=v),
        ]
    return "\n".join(lines) + "\n"


def write_pair(out: Path, wheel_url: str | None = None, index_url: str | None = None) -> list[Path]:
    """Write main.py and requirements.txt into `out` (created); returns the two paths."""
    if not wheel_url and not index_url:
        raise LiteError("请给出 --wheel-url 或 --index-url (give --wheel-url or --index-url)")
    text = requirements_text(wheel_url, index_url)
    out.mkdir(parents=True, exist_ok=True)
    main, req = out / "main.py", out / "requirements.txt"
    main.write_text((LITE / "main.py").read_text(encoding="utf-8"), encoding="utf-8")
    req.write_text(text, encoding="utf-8")
    return [main, req]


if __name__ == "__main__":  # python -m followup.addin.lite_files: rewrite the shipped placeholder file
    (LITE / "requirements.txt").write_text(requirements_text(), encoding="utf-8")
