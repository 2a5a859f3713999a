"""Print pip constraints that pin every requirement of pyproject.toml to the lowest version it allows.

    python scripts/lowest_constraints.py pyproject.toml test > lowest.txt
    pip install -c lowest.txt 'dist/scratchgrad-….whl[test]'

CI runs the suite once so, to show that the lower bounds are true (pip has no ``--resolution=lowest``;
uv has). It reads ``[project] dependencies`` and the extras named, following the project's own extras
(``scratchgrad[demos]`` inside ``test``). A requirement with no ``>=`` or ``==`` bound is an error:
it would claim that every version ever released works.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

# A requirement: its name, its extras, its version specifiers (and an environment marker, ignored).
REQUIREMENT = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*([^;]*)(?:;.*)?")
LOWER_BOUND = re.compile(r"(?:>=|==)\s*([\w.]+)")


def lowest(pyproject: Path, extras: list[str]) -> dict[str, str]:
    """Each requirement's name and its lowest allowed version."""
    project = tomllib.loads(pyproject.read_text())["project"]
    optional = project.get("optional-dependencies", {})
    pins: dict[str, str] = {}
    todo, seen = list(project["dependencies"]), set()
    for extra in extras:
        if extra not in optional:
            raise SystemExit(f"lowest_constraints: no extra {extra!r} in {pyproject}")
        todo += optional[extra]
    while todo:
        requirement = todo.pop()
        match = REQUIREMENT.fullmatch(requirement.strip())
        if match is None:
            raise SystemExit(f"lowest_constraints: cannot read the requirement {requirement!r}")
        name, own_extras, spec = match.groups()
        if name == project["name"]:  # the project's own extra: take its requirements too
            for extra in (own_extras or "").split(","):
                if extra.strip() and extra.strip() not in seen:
                    seen.add(extra.strip())
                    todo += optional[extra.strip()]
            continue
        bound = LOWER_BOUND.search(spec)
        if bound is None:
            raise SystemExit(f"lowest_constraints: {requirement!r} has no lower bound (>= or ==)")
        pins[name] = bound[1]
    return pins


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit("usage: python scripts/lowest_constraints.py PYPROJECT [EXTRA ...]")
    for name, version in sorted(lowest(Path(argv[0]), argv[1:]).items()):
        print(f"{name}=={version}")


if __name__ == "__main__":
    main(sys.argv[1:])
