"""The app refuses to start with the published development key or a short PLANNER_SECRET_KEY
(except in tests and debugging); the development server keeps a generated key instead."""
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from planner import config, create_app

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "0123456789abcdef" * 4


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("PLANNER_SECRET_KEY", "PLANNER_TESTING", "PLANNER_DEBUG", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return "sqlite:///" + str(tmp_path / "key.sqlite")


def test_no_key_refuses_to_start_and_says_how_to_set_one(clean_env):
    with pytest.raises(config.InsecureSecretKey) as refused:
        create_app({"DATABASE_URL": clean_env})
    message = str(refused.value)
    assert "PLANNER_SECRET_KEY is not set" in message
    assert "export PLANNER_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')" in message


@pytest.mark.parametrize("key", ["dev-only-change-me", "short", "x" * 31])
def test_default_or_short_key_refused(clean_env, key):
    with pytest.raises(config.InsecureSecretKey):
        create_app({"DATABASE_URL": clean_env, "SECRET_KEY": key})


def test_short_key_from_the_environment_refused(clean_env, monkeypatch):
    monkeypatch.setenv("PLANNER_SECRET_KEY", "abc123")
    with pytest.raises(config.InsecureSecretKey, match="too short"):
        create_app({"DATABASE_URL": clean_env})


def test_a_long_key_starts(clean_env, monkeypatch):
    monkeypatch.setenv("PLANNER_SECRET_KEY", GOOD_KEY)
    app = create_app({"DATABASE_URL": clean_env})
    assert app.config["SECRET_KEY"] == GOOD_KEY


@pytest.mark.parametrize("extra", [{"TESTING": True}, {"DEBUG": True}])
def test_tests_and_debugging_accept_a_short_key(clean_env, extra):
    app = create_app({"DATABASE_URL": clean_env, "SECRET_KEY": "test", **extra})
    assert app.config["SECRET_KEY"] == "test"


def test_command_line_never_runs_with_the_published_key(clean_env):
    app = create_app({"DATABASE_URL": clean_env}, cli=True)
    key = app.config["SECRET_KEY"]
    assert key != config.DEV_SECRET_KEY and len(key) >= 32


def test_development_server_keeps_a_generated_key_in_the_instance_folder(clean_env, tmp_path):
    first = create_app({"DATABASE_URL": clean_env}, cli=True)
    note = config.serving_key(first, folder=tmp_path)
    path = tmp_path / "secret_key"
    assert "generated a random key" in note and str(path) in note
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text().strip()
    assert len(key) >= 32 and first.config["SECRET_KEY"] == key
    second = create_app({"DATABASE_URL": clean_env}, cli=True)
    assert "using the random key stored" in config.serving_key(second, folder=tmp_path)
    assert second.config["SECRET_KEY"] == key  # sessions survive a restart


def test_development_server_refuses_a_short_key(clean_env, monkeypatch, tmp_path):
    monkeypatch.setenv("PLANNER_SECRET_KEY", "abc123")
    app = create_app({"DATABASE_URL": clean_env}, cli=True)
    with pytest.raises(config.InsecureSecretKey, match="too short"):
        config.serving_key(app, folder=tmp_path)
    result = app.test_cli_runner().invoke(args=["serve", "--port", "1"])
    assert result.exit_code == 1
    assert "PLANNER_SECRET_KEY is too short" in result.output and "secrets.token_hex(32)" in result.output
    assert not (tmp_path / "secret_key").exists()


def test_a_set_key_is_used_by_the_development_server(clean_env, monkeypatch, tmp_path):
    monkeypatch.setenv("PLANNER_SECRET_KEY", GOOD_KEY)
    app = create_app({"DATABASE_URL": clean_env}, cli=True)
    assert config.serving_key(app, folder=tmp_path) is None
    assert app.config["SECRET_KEY"] == GOOD_KEY and not (tmp_path / "secret_key").exists()


def test_gunicorn_refuses_to_start_without_a_key(clean_env, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLANNER_", "FLASK_"))}
    env["PLANNER_DATABASE_URL"] = clean_env
    env["PYTHONPATH"] = str(ROOT)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    done = subprocess.run([str(gunicorn), "-w", "1", "-b", "127.0.0.1:0", "planner:create_app()"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "PLANNER_SECRET_KEY is not set" in done.stderr and "secrets.token_hex(32)" in done.stderr
