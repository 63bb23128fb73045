"""SMS message templates as playbook data (`[sms]` in the playbook TOML) — seed 001 「短信群发」.

    [[sms.templates]]
    code = "FU_BIRTHDAY"              # the gateway's approved template code (replace with yours)
    match = ["生日"]                   # a task whose purpose contains one of these words uses it
    text = "${name}您好,${store}祝您生日快乐,身体健康!"

The first template whose `match` words occur in a task's purpose wins; `match = ["*"]` is the
catch-all. Parameters are the gateway's template variables: name, store, date (and holiday).
Texts are polite greetings and reminders only: never pressure (SPEC §3.5).
"""

from __future__ import annotations

import re

from .rules import Model

__all__ = ["SmsTemplate", "SmsSettings", "pick_template", "render_text", "PARAM_KEYS"]

PARAM_KEYS = ("name", "store", "date", "holiday")
_VAR = re.compile(r"\$\{(\w+)\}")


class SmsTemplate(Model):
    code: str
    title: str = ""
    match: tuple[str, ...] = ("*",)
    text: str


class SmsSettings(Model):
    templates: tuple[SmsTemplate, ...] = ()

    def model_post_init(self, _ctx: object) -> None:
        for t in self.templates:
            unknown = set(_VAR.findall(t.text)) - set(PARAM_KEYS)
            if unknown:
                raise ValueError(
                    f"sms template {t.code}: unknown variables {sorted(unknown)} (use {', '.join(PARAM_KEYS)})"
                )


def pick_template(settings: SmsSettings | None, purpose: str) -> SmsTemplate | None:
    if settings is None:
        return None
    text = purpose or ""
    for t in settings.templates:
        if any(w != "*" and w in text for w in t.match):
            return t
    return next((t for t in settings.templates if "*" in t.match), None)


def render_text(template: SmsTemplate, params: dict[str, str], signature: str = "") -> str:
    """The message as the recipient reads it: 【signature】 + text with the variables filled in."""
    body = _VAR.sub(lambda m: str(params.get(m.group(1), "")), template.text)
    return (f"【{signature}】" if signature else "") + body
