"""The dependency lock: requirements.in / requirements-dev.in hold the direct pins, requirements.txt /
requirements-dev.txt the full resolved sets `make` installs (make lock). The two agree, every line of a set is
an exact pin, and the environment the suite runs in is the locked one."""
import re
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def pins(name: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-c", "-r")):
            continue
        match = PIN.match(line)
        assert match, f"{name}: not an exact pin: {line!r}"
        found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


@pytest.mark.parametrize("direct, resolved", [("requirements.in", "requirements.txt"),
                                              ("requirements-dev.in", "requirements-dev.txt")])
def test_the_lock_holds_every_direct_pin_at_its_version(direct, resolved):
    wanted, locked = pins(direct), pins(resolved)
    assert {name: v for name, v in wanted.items() if locked.get(name) != v} == {}, f"run `make lock` ({direct})"
    assert len(locked) > len(wanted), "the lock holds the dependencies of dependencies too"


def test_the_suite_runs_on_the_locked_set():
    locked = {**pins("requirements.txt"), **pins("requirements-dev.txt")}
    installed = {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version for d in metadata.distributions()}
    assert {name: (v, installed.get(name)) for name, v in locked.items() if installed.get(name) != v} == {}
