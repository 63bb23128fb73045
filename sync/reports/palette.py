"""One colour per store and per store group, the same in every chart of a report (issue 23).

Each store group has a colour family (blue, orange, green, purple; grey for stores without a
group); its target lines and bands are drawn in the family's dark shade, its stores' bars in
the family's lighter shades, each bar outlined in that dark shade. So a reader matches a store
to its group's band by colour, and in a grey print by the outline and the band's label. The
shade of a store is chosen by its place in the store order (1st, 2nd, 3rd … store, cycling
through three shades), so neighbouring bars differ in lightness — they stay apart in grey.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["FAMILIES", "NO_GROUP", "Palette", "palette", "group_key"]

# (dark: lines, bands and outlines; three bar shades, dark to light)
FAMILIES: list[tuple[str, tuple[str, str, str]]] = [
    ("#1F3864", ("#2E75B6", "#9DC3E6", "#DEEBF7")),  # blue
    ("#843C0C", ("#C55A11", "#F4B183", "#FBE5D6")),  # orange
    ("#375623", ("#70AD47", "#A9D18E", "#E2F0D9")),  # green
    ("#3F3151", ("#7030A0", "#B4A7D6", "#E4DFEC")),  # purple
]
NO_GROUP = ("#262626", ("#7F7F7F", "#BFBFBF", "#EDEDED"))


def group_key(group: object) -> str:
    """A group as the reports name it ("1", "2"; "" for none)."""
    if group is None or group != group:
        return ""
    text = str(group).strip()
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


@dataclass(frozen=True)
class Palette:
    store: dict[str, str]  # store → bar colour
    outline: dict[str, str]  # store → its group's dark colour
    group: dict[str, str]  # group → dark colour (lines, bands)
    members: dict[str, list[str]]  # group → its stores, in store order

    def bar(self, store: str) -> dict:
        """xlsxwriter series options of a store's bars."""
        return {"fill": {"color": self.store[store]}, "border": {"color": self.outline[store], "width": 1}}

    def line(self, group: str, dash: str = "dash") -> dict:
        """xlsxwriter series options of a group's target line."""
        return {"line": {"color": self.group[group], "width": 2, "dash_type": dash}}


def palette(stores: Iterable[tuple[str, object]]) -> Palette:
    """Colours for (store, group) pairs given in the report's store order: groups get a family in
    the order their first store appears; stores without a group are grey."""
    pairs = [(str(s), group_key(g)) for s, g in stores]
    families: dict[str, tuple[str, tuple[str, str, str]]] = {}
    for _, g in pairs:
        if g and g not in families:
            families[g] = FAMILIES[len(families) % len(FAMILIES)]
    store: dict[str, str] = {}
    outline: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for i, (s, g) in enumerate(pairs):
        dark, shades = families.get(g, NO_GROUP)
        store[s] = shades[i % len(shades)]
        outline[s] = dark
        members.setdefault(g, []).append(s)
    group = {g: dark for g, (dark, _) in families.items()}
    group.setdefault("", NO_GROUP[0])
    return Palette(store, outline, group, members)
