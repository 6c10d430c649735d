"""The whole dependency tree is locked with hashes, and installed from the lock (issue 12, item 11)."""

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import tasks

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)")


def top_level() -> dict[str, str]:
    """requirements.txt: name → pinned version (every line must pin one)."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        [specifier] = list(requirement.specifier)
        assert specifier.operator == "==", f"requirements.txt: {line!r} is not pinned with =="
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def locked() -> dict[str, tuple[str, list[str]]]:
    """requirements.lock: name → (version, its sha256 hashes)."""
    entries: dict[str, tuple[str, list[str]]] = {}
    name = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        pin = PIN.match(line)
        if pin:
            name = canonicalize_name(pin["name"])
            entries[name] = (pin["version"], [])
        elif name and "--hash=sha256:" in line:
            entries[name][1].append(line.split("--hash=sha256:", 1)[1].rstrip(" \\"))
    return entries


def test_every_top_level_pin_is_in_the_lock_at_its_version():
    lock = locked()
    assert {name: lock.get(name, (None,))[0] for name in top_level()} == top_level()


def test_every_locked_package_is_pinned_with_hashes():
    lock = locked()
    assert len(lock) > len(top_level()), "the lock holds only the top-level packages"
    assert [name for name, (_, hashes) in lock.items() if not hashes] == []
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for _, hashes in lock.values() for digest in hashes)


def test_the_lock_is_closed_every_dependency_is_locked_too():
    """What each locked package requires (on this Python, with the extras asked for) is locked as well."""
    lock = locked()
    extras = {
        canonicalize_name(Requirement(line).name): Requirement(line).extras
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.split("#", 1)[0].strip()
    }
    missing = []
    for name in lock:
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            wanted = [{**default_environment(), "extra": extra} for extra in ["", *extras.get(name, ())]]
            needed = requirement.marker is None or any(requirement.marker.evaluate(env) for env in wanted)
            if needed and canonicalize_name(requirement.name) not in lock:
                missing.append(f"{name} needs {requirement}")
    assert missing == []


def test_this_environment_holds_exactly_the_locked_versions():
    installed = {}
    for name in locked():
        try:
            installed[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed[name] = None
    assert installed == {name: version for name, (version, _) in locked().items()}


def test_ensure_venv_installs_the_lock_with_hashes_required(tmp_path, monkeypatch):
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    python.touch()
    commands = []
    monkeypatch.setattr(tasks, "VENV", tmp_path)
    monkeypatch.setattr(tasks, "PYTHON", python)
    monkeypatch.setattr(tasks, "run", lambda command, **_: commands.append([str(part) for part in command]))

    tasks.ensure_venv()
    tasks.ensure_venv()  # the lock did not change: nothing to install

    [command] = commands
    assert command[1:4] == ["-m", "pip", "install"]
    assert "--require-hashes" in command
    assert command[-2:] == ["-r", str(ROOT / "requirements.lock")]


@pytest.mark.parametrize("path", ["README.md", ".ci/run"])
def test_the_readme_and_ci_install_through_tasks_py(path):
    text = (ROOT / path).read_text()
    assert "tasks.py" in text
    assert "pip install -r requirements.txt" not in text
