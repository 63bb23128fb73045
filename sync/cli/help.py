"""Bilingual `--help` for every command: no type placeholders such as `<bool>` or `<list[Path]>`.

`polish(app)` walks a Typer app with its sub-apps and commands (plug-ins included) and makes
them use `Command` / `Group`, which, when help is rendered, give every option without a
metavar a plain one (flags: none; others: the option's name, e.g. `--week WEEK`), translate the
help option, and put parameters and commands in bilingual panels.
"""

from __future__ import annotations

import typer
from typer.core import TyperCommand, TyperGroup

__all__ = ["Command", "Group", "polish", "OPTIONS", "ARGUMENTS", "COMMANDS"]

OPTIONS = "选项 / Options"
ARGUMENTS = "参数 / Arguments"
COMMANDS = "命令 / Commands"
HELP_TEXT = "显示本帮助并退出 / show this help and exit"


def two_lines(text: str | None, sep: str = "\n") -> str | None:
    """'中文 / English' → the two languages on their own lines (the first paragraph; any others
    are kept). Rich lays out help mixing double-width Chinese and English on one wrapped line
    wrongly at some widths (it cut words: "toda…"); each language wrapped on its own stays
    whole at 80 columns. Idempotent."""
    if not text:
        return text
    import inspect

    first, *rest = inspect.cleandoc(text).split("\n\n")
    if "\n" in first and " / " not in first.replace("\n", " "):
        return text  # already split (or a layout of its own)
    flat = " ".join(line.strip() for line in first.splitlines())
    if " / " not in flat:
        return text
    zh, en = flat.split(" / ", 1)
    if not any("\u3000" <= ch <= "\u9fff" for ch in zh):  # not a 中文 / English pair
        return text
    return "\n\n".join([f"{zh.strip()}{sep}{en.strip()}", *rest])


def _tidy(params: list) -> list:
    for p in params:
        if getattr(p, "help", None):
            p.help = two_lines(p.help, "\n\n")
        is_option = getattr(p, "param_type_name", "") == "option"
        if getattr(p, "metavar", None) is None:
            if is_option and getattr(p, "is_flag", False):
                p.metavar = ""
            elif getattr(p, "name", None):
                p.metavar = p.name.upper() + ("…" if getattr(p, "multiple", False) else "")
        if is_option and getattr(p, "name", None) == "help":
            p.help = two_lines(HELP_TEXT, "\n\n")
        if not is_option and hasattr(p, "display_type_rich"):  # typer ≥ 0.2x shows `<file>` beside the name
            p.display_type_rich = _no_type
        if hasattr(p, "rich_help_panel") and not p.rich_help_panel:
            p.rich_help_panel = OPTIONS if is_option else ARGUMENTS
    return params


def _no_type(ctx=None):
    return None


def _split_help(cmd) -> None:
    """The command list shows `short_help` (one paragraph: the languages on two lines), the
    command's own page `help` (two paragraphs, which its layout keeps apart)."""
    if cmd.help and not cmd.short_help:
        cmd.short_help = two_lines(cmd.help)
    cmd.help = two_lines(cmd.help, "\n\n")


class Command(TyperCommand):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _split_help(self)

    def get_params(self, ctx):
        return _tidy(super().get_params(ctx))


class Group(TyperGroup):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _split_help(self)

    def get_params(self, ctx):
        return _tidy(super().get_params(ctx))


def _default(cls, base: type) -> bool:
    """No class chosen (None, typer's placeholder, or typer's own class): ours may be used."""
    return not isinstance(cls, type) or cls is base


def polish(app: typer.Typer) -> typer.Typer:
    """Make `app`, its commands and its sub-apps render the bilingual help (idempotent)."""
    if _default(app.info.cls, TyperGroup):
        app.info.cls = Group
    for info in app.registered_commands:
        if _default(info.cls, TyperCommand):
            info.cls = Command
        if not info.rich_help_panel:
            info.rich_help_panel = COMMANDS
    for group in app.registered_groups:
        if _default(group.cls, TyperGroup):
            group.cls = Group
        if not group.rich_help_panel:
            group.rich_help_panel = COMMANDS
        if group.typer_instance is not None:
            polish(group.typer_instance)
            if not group.typer_instance.info.rich_help_panel:
                group.typer_instance.info.rich_help_panel = COMMANDS
    return app
