"""addin/followup_udfs.bas is what xlwings 0.37.8 generates from followup.udfs.excel today."""

from __future__ import annotations

import inspect
import re

import pytest

pytest.importorskip("xlwings")

from followup.addin.make_vba import BAS_PATH, UDF_MODULE, generate  # noqa: E402
from followup.udfs import excel  # noqa: E402

FUNCTIONS = {n: getattr(excel, n) for n in excel.__all__ if n.isupper()}
# Words VBA reserves: a parameter with one of these names does not compile, and one compile
# error disables every function of the module.
VBA_RESERVED = {
    "and",
    "as",
    "boolean",
    "byref",
    "byte",
    "byval",
    "call",
    "case",
    "const",
    "currency",
    "date",
    "decimal",
    "declare",
    "dim",
    "do",
    "double",
    "each",
    "else",
    "elseif",
    "empty",
    "end",
    "enum",
    "eqv",
    "erase",
    "error",
    "event",
    "exit",
    "false",
    "for",
    "friend",
    "function",
    "get",
    "global",
    "gosub",
    "goto",
    "if",
    "imp",
    "implements",
    "in",
    "integer",
    "is",
    "let",
    "like",
    "long",
    "loop",
    "lset",
    "me",
    "mod",
    "new",
    "next",
    "not",
    "nothing",
    "null",
    "object",
    "on",
    "option",
    "optional",
    "or",
    "paramarray",
    "preserve",
    "private",
    "property",
    "public",
    "raiseevent",
    "redim",
    "rem",
    "resume",
    "return",
    "rset",
    "select",
    "set",
    "single",
    "static",
    "step",
    "stop",
    "string",
    "sub",
    "then",
    "to",
    "true",
    "type",
    "typeof",
    "until",
    "variant",
    "wend",
    "while",
    "with",
    "xor",
}


@pytest.fixture(scope="module")
def bas() -> str:
    return BAS_PATH.read_bytes().decode("utf-8")


def _signatures(text: str) -> dict[str, list[str]]:
    return {
        m.group(1): [a.strip() for a in m.group(2).split(",") if a.strip()]
        for m in re.finditer(r"^Function (\w+)\((.*)\)\r?$", text, re.M)
    }


def test_bas_is_current(bas):
    assert bas == generate(), "addin/followup_udfs.bas is stale: run `followup addin vba`"


def test_bas_names_every_function_with_its_arity(bas):
    sigs = _signatures(bas)
    assert set(sigs) == set(FUNCTIONS)
    for name, fn in FUNCTIONS.items():
        params = list(inspect.signature(fn).parameters.values())
        want = [("Optional " if p.default is not inspect.Parameter.empty else "") + p.name for p in params]
        assert sigs[name] == want, name
        assert f'XLPy.CallUDF("{UDF_MODULE}", "{name}", Array({", ".join(p.name for p in params)})' in bas


def test_bas_header_and_line_ends(bas):
    assert bas.startswith('Attribute VB_Name = "xlwings_udfs"\r\n')
    assert "\n" not in bas.replace("\r\n", "")


def test_parameter_names_compile_in_vba(bas):
    bad = {
        name: [a.split()[-1] for a in args if a.split()[-1].lower() in VBA_RESERVED]
        for name, args in _signatures(bas).items()
    }
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, (
        f"VBA reserved words used as parameter names {bad}: rename them in "
        "followup/udfs/excel.py (e.g. date → day) and run `followup addin vba`"
    )
