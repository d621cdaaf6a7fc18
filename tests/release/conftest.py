"""The release as users install it: the wheel built once, installed into a fresh virtualenv far
from the checkout. Nothing here imports the installed code; it is run as a user runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: What a clean clone does not have: a build from the checkout itself would also pack files
#: listed by an earlier build's gremium.egg-info/SOURCES.txt, and so hide a missing package-data.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "*.egg-info",
    "build",
    "dist",
    "data",
    "config.toml",
    "*.mo",
    "*.db*",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "node_modules",
)


@dataclass(frozen=True)
class Installed:
    """A virtualenv with the built wheel installed, and a working folder outside the checkout."""

    wheel: Path
    bin: Path
    home: Path

    def env(self) -> dict[str, str]:
        """The environment of a user's shell: no checkout on the path, no Gremium overrides."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("GREMIUM_")}
        env.pop("PYTHONPATH", None)
        env["VIRTUAL_ENV"] = str(self.bin.parent)
        return env

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``gremium <args>`` in the working folder; output captured."""
        return subprocess.run(
            [str(self.bin / "gremium"), *args],
            cwd=self.home,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _check(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """`python -m build` (sdist, then the wheel from it) in a clean copy of the checkout,
    `pip install` of the wheel into a new virtualenv."""
    source = tmp_path_factory.mktemp("source") / "gremium"
    shutil.copytree(ROOT, source, symlinks=True, ignore=NOT_IN_A_CLONE)
    dist = tmp_path_factory.mktemp("dist")
    _check([sys.executable, "-m", "build", "--outdir", str(dist), str(source)], cwd=dist)
    wheel = next(dist.glob("gremium-*.whl"))
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True, clear=True)
    _check([str(env_dir / "bin" / "pip"), "install", "--quiet", str(wheel)], cwd=dist)
    home = tmp_path_factory.mktemp("home")
    assert not home.is_relative_to(ROOT)
    return Installed(wheel=wheel, bin=env_dir / "bin", home=home)
