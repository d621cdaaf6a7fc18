"""The deploy/ examples as their tools read them: nginx checks the site configuration and
systemd the unit. Each test is skipped, with the reason, where its tool is not installed
(``.ci/run`` installs nginx; systemd-analyze comes with Debian)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if found is None:
        pytest.skip(f"{name} is not installed: the deploy/ check that needs it is skipped")
    return found


def test_the_nginx_site_is_valid(tmp_path: Path) -> None:
    """``nginx -t`` accepts deploy/nginx.conf as it is, with a stand-in certificate and logs
    in a scratch folder (Debian 12's nginx 1.22 included)."""
    nginx, openssl = _tool("nginx"), _tool("openssl")
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=gremium.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    live = "/etc/letsencrypt/live/gremium.example.org/"
    assert f"{live}fullchain.pem" in site and f"{live}privkey.pem" in site
    site = site.replace(live, f"{tmp_path}/").replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_systemd_unit_is_valid(tmp_path: Path) -> None:
    """``systemd-analyze verify`` finds nothing to say about deploy/gremium.service (only the
    program it starts is not installed here: a stand-in takes its place)."""
    analyze = _tool("systemd-analyze")
    unit = (DEPLOY / "gremium.service").read_text(encoding="utf-8")
    program = "/opt/gremium/.venv/bin/gremium"
    assert f"ExecStart={program} run" in unit
    (tmp_path / "gremium.service").write_text(unit.replace(program, "/bin/true"), "utf-8")
    checked = subprocess.run(
        [analyze, "verify", str(tmp_path / "gremium.service")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == checked.stderr.strip() == "", checked.stderr
