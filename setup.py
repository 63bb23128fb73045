"""The package list, found rather than listed (everything else is in pyproject.toml).

One PEP 420 namespace `followup`: each top-level folder is one of its packages (`PACKAGE_DIR`),
and every folder below one that holds a `.py` file is a subpackage (as Python sees it: with or
without `__init__.py`), found here at build time so a new one cannot be left out of the wheel. (`tests/unit/test_wheel.py` checks that the built
wheel holds every module of the tree.)
"""

from pathlib import Path

from setuptools import setup

PACKAGE_DIR = {
    "followup.udfs": "udfs",
    "followup.sync": "sync",
    "followup.addin": "addin",
    "followup.templates": "workbook_templates",
}


def packages() -> list[str]:
    here = Path(__file__).resolve().parent
    out = []
    for name, folder in PACKAGE_DIR.items():
        root = here / folder
        folders = {p.parent.relative_to(root) for p in root.rglob("*.py") if "__pycache__" not in p.parts}
        out += [".".join([name, *rel.parts]) for rel in sorted(folders)]
    return out


setup(package_dir=PACKAGE_DIR, packages=packages())
