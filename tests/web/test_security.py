"""Production headers: the Content-Security-Policy, no inline code in any template, HTTPS settings
from the environment, and `check --deploy` clean with the production block of docs/operations.md.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "jianxi" / "templates", *ROOT.glob("jianxi/*/templates")]

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def policy_of(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize("url", ["/", "/posts/", "/accounts/login/", "/api/v1/docs", "/admin/login/"])
def test_pages_carry_the_content_security_policy(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert policy_of(response) == POLICY
    assert (response["X-Frame-Options"], response["X-Content-Type-Options"]) == ("DENY", "nosniff")
    assert (response["Referrer-Policy"], response["Cross-Origin-Opener-Policy"]) == ("same-origin", "same-origin")


def test_the_admin_and_api_docs_are_under_the_same_policy_when_signed_in(client, world):
    client.force_login(world.city)
    assert policy_of(client.get("/admin/")) == POLICY
    assert policy_of(client.get("/api/v1/docs")) == POLICY


def test_the_api_docs_load_swagger_from_our_own_static_files(client):
    page = client.get("/api/v1/docs").content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources)
    assert all(s.startswith("/static/") for s in sources), sources


# --- no inline code in templates -----------------------------------------------------------------

INLINE = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def inline_code(text: str) -> list[str]:
    """What in a template the Content-Security-Policy would refuse, by kind."""
    return [kind for kind, pattern in INLINE.items() if pattern.search(text)]


@pytest.mark.parametrize(
    ("snippet", "kind"),
    [
        ("<script>alert(1)</script>", "inline script"),
        ('<script type="module">x()</script>', "inline script"),
        ("<style>p { color: red }</style>", "style element"),
        ('<p style="color:red">', "style attribute"),
        ("<form onsubmit=\"return confirm('?')\">", "event handler"),
        ("<button type=button onclick='print()'>", "event handler"),
        ('<a href="javascript:void(0)">', "javascript: URL"),
    ],
)
def test_the_scan_finds_each_kind_of_inline_code(snippet, kind):
    assert inline_code(snippet) == [kind]


def test_the_scan_allows_what_the_pages_use():
    allowed = (
        "<script src=\"{% static 'jianxi/site.js' %}\" defer></script>"
        '<form method="post" data-confirm="确定？" class="inline"><button data-action="print">'
        '<select id="x" data-navigate><option value="/posts/">'
    )
    assert inline_code(allowed) == []


def test_no_template_has_inline_script_handlers_or_styles():
    templates = [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")]
    assert len(templates) > 50  # the scan really reads the templates
    found = {str(path.relative_to(ROOT)): inline_code(path.read_text()) for path in templates}
    assert {path: kinds for path, kinds in found.items() if kinds} == {}


# --- HTTPS behind the proxy ----------------------------------------------------------------------


def test_https_settings_redirect_plain_http_and_send_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    plain = client.get("/posts/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = client.get("/posts/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


# --- settings from the environment ---------------------------------------------------------------


def production_environment(tmp_path: Path) -> dict[str, str]:
    """The ```dotenv block of docs/operations.md, with a real secret key and a scratch var dir."""
    doc = (ROOT / "docs" / "operations.md").read_text()
    block = re.search(r"```dotenv\n(.*?)```", doc, re.DOTALL)
    assert block is not None, "docs/operations.md has no ```dotenv production block"
    env = dict(line.split("=", 1) for line in block.group(1).splitlines() if line.strip() and not line.startswith("#"))
    assert "SECRET_KEY" in env and "TRUSTED_PROXIES" in env
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env["JIANXI_VAR_DIR"] = str(tmp_path)
    return env


def run_django(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Python in a fresh interpreter whose environment has only ``env`` (and PATH)."""
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "jianxi.settings", **env}
    script = f"import django\ndjango.setup()\n{code}"
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_the_documented_production_environment(tmp_path):
    result = run_django(
        'from django.core.management import call_command\ncall_command("check", deploy=True, fail_level="WARNING")',
        production_environment(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_the_https_settings(tmp_path):
    env = production_environment(tmp_path)
    del env["SECURE_HSTS_SECONDS"], env["SECURE_SSL_REDIRECT"]
    result = run_django(
        'from django.core.management import call_command\ncall_command("check", deploy=True, fail_level="WARNING")',
        env,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_check_deploy_warns_of_messages_that_would_not_leave_the_machine(tmp_path):
    env = production_environment(tmp_path)
    del env["SMS_BACKEND"], env["SITE_URL"], env["EMAIL_BACKEND"]  # the development defaults
    result = run_django(
        'from django.core.management import call_command\ncall_command("check", deploy=True, fail_level="WARNING")',
        env,
    )
    assert result.returncode != 0
    assert all(code in result.stderr for code in ("jianxi.W001", "jianxi.W002", "jianxi.W003")), result.stderr
    env = {**production_environment(tmp_path), "SITE_URL": "http://jianxi.example.gov.cn"}  # not https
    result = run_django(
        'from django.core.management import call_command\ncall_command("check", deploy=True, fail_level="WARNING")',
        env,
    )
    assert "jianxi.W002" in result.stderr and "jianxi.W001" not in result.stderr


def test_the_production_environment_sets_what_it_says(tmp_path):
    result = run_django(
        "from django.conf import settings as s\n"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD,"
        " s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.TRUSTED_PROXIES, s.DEBUG)",
        production_environment(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "True 31536000 True True ('HTTP_X_FORWARDED_PROTO', 'https') True True ['127.0.0.1/32', '::1/128'] False"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRUSTED_PROXIES", "10.0.0.0/33"),
        ("TRUSTED_PROXIES", "proxy.internal"),
        ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https"),
        ("SECURE_HSTS_SECONDS", "one year"),
        ("SECURE_SSL_REDIRECT", "maybe"),
        ("AXES_ADDRESS_FAILURE_LIMIT", "2"),
    ],
)
def test_a_malformed_security_setting_stops_start_up_naming_it(tmp_path, name, value):
    result = run_django("", {**production_environment(tmp_path), name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr
