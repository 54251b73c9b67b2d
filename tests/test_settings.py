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
        "ALLOWED_HOSTS": "relief.example.gov.cn", "RELIEF_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_generated_once_into_var(tmp_path):
    env = {"RELIEF_VAR_DIR": str(tmp_path), "SECRET_KEY": ""}
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_manage("shell", "-c", code, env_extra=env).stdout.strip().splitlines()[-1]
    second = run_manage("shell", "-c", code, env_extra=env).stdout.strip().splitlines()[-1]
    assert len(first) > 40 and first == second
    assert (tmp_path / "secret_key").read_text().strip() == first
