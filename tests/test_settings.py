"""Settings from the environment, and the production mode passing `check --deploy`."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_production_settings_pass_check_deploy(tmp_path):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra={
        "RELIEF_PRODUCTION": "1", "SECRET_KEY": "x" * 20 + "-prod-key-Aq9!zL0pR7mT2vN5bW8cY1dF4gH6jK3",
        "ALLOWED_HOSTS": "relief.example.gov.cn", "RELIEF_VAR_DIR": str(tmp_path),
        # Production keys its audit chain itself and keeps the archive out of the system temp folder (issue 19).
        "RELIEF_AUDIT_KEY": "audit-" + "k" * 40, "RELIEF_AUDIT_ARCHIVE_DIR": "/srv/relief/audit-archive"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_generated_once_into_var(tmp_path):
    env = {"RELIEF_VAR_DIR": str(tmp_path), "SECRET_KEY": ""}
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_manage("shell", "-c", code, env_extra=env).stdout.strip().splitlines()[-1]
    second = run_manage("shell", "-c", code, env_extra=env).stdout.strip().splitlines()[-1]
    assert len(first) > 40 and first == second
    assert (tmp_path / "secret_key").read_text().strip() == first


def test_debug_is_off_unless_a_developer_asks(tmp_path):
    code = "from django.conf import settings; print(settings.DEBUG)"
    env = {"RELIEF_VAR_DIR": str(tmp_path)}
    plain = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, capture_output=True,
                            text=True, env={**plain, **env})
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
    asked = run_manage("shell", "-c", code, env_extra={**env, "DEBUG": "1"})
    assert asked.stdout.strip().splitlines()[-1] == "True"


def test_make_run_serves_the_project_404_page_and_static_files(tmp_path):
    """`make run` (scripts/run.sh) serves with the project's own error pages, and CSS still loads.

    The server is started exactly as scripts/run.sh starts it (collectstatic, then runserver, no DEBUG in
    the environment) on a scratch database and var/ directory.
    """
    import socket
    import time
    import urllib.error
    import urllib.request

    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    assert "collectstatic" in run_sh and "DEBUG=" not in run_sh
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"}}
    env.update(RELIEF_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                               env=env, capture_output=True, text=True)
    assert collected.returncode == 0, collected.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"

    def get(path):
        try:
            with urllib.request.urlopen(base + path, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = get("/no-such-page/")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert status == 404
        assert "页面不存在" in body or "找不到" in body, body[:500]
        assert "URLconf" not in body and "DEBUG = True" not in body and "Page not found" not in body
        status, css = get("/static/css/relief.css")
        assert status == 200 and "{" in css
        status, _ = get("/static/vendor/htmx.min.js")
        assert status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    """Several app machines must share one key: none is generated per machine in production."""
    result = run_manage("check", env_extra={"RELIEF_PRODUCTION": "1", "SECRET_KEY": "",
                                            "ALLOWED_HOSTS": "relief.example.gov.cn", "RELIEF_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "requires SECRET_KEY" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_installations_sharing_a_redis_keep_their_cache_keys_apart(tmp_path):
    """Installations (or the processes of one test run) sharing a Redis each set a prefix: their keys differ."""
    code = ("from django.core.cache import cache; from django.conf import settings; "
            "print(settings.CACHES['default']['KEY_PREFIX'], cache.make_key('relief:figure:x'))")
    env = {"RELIEF_VAR_DIR": str(tmp_path)}
    first = run_manage("shell", "-c", code, env_extra={**env, "RELIEF_CACHE_KEY_PREFIX": "jinan"})
    second = run_manage("shell", "-c", code, env_extra={**env, "RELIEF_CACHE_KEY_PREFIX": "qingdao"})
    assert first.stdout.split()[-2:] == ["jinan", "jinan:1:relief:figure:x"], first.stderr
    assert second.stdout.split()[-2:] == ["qingdao", "qingdao:1:relief:figure:x"], second.stderr
