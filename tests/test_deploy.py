"""The production profile: `bersih check --deploy` is clean, and a missing SECRET_KEY stops start-up."""

import os
import subprocess
import sys

import pytest


def run_bersih(*args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bersih", *args], capture_output=True, text=True, env=environment, timeout=120
    )


@pytest.fixture
def production(tmp_path):
    return {
        "BERSIH_ENV": "production",
        "SECRET_KEY": "x" * 20 + "-a-long-random-production-key-for-the-check-only-0123456789",
        "ALLOWED_HOSTS": "bersih.example.id",
        "BERSIH_VAR_DIR": str(tmp_path),
        "ETLE_BANK_SECRET": "a-secret-agreed-with-the-bank-for-the-check-only",
        "LICENSING_BANK_SECRET": "another-secret-agreed-with-the-bank-for-the-check-only",
    }


def test_check_deploy_is_clean_in_production_profile(production):
    result = run_bersih("check", "--deploy", "--fail-level", "WARNING", **production)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_the_bank_secret(production):
    production.pop("ETLE_BANK_SECRET")
    result = run_bersih("check", "--deploy", "--fail-level", "WARNING", **production)
    assert result.returncode != 0
    assert "bersih.etle.W001" in result.stderr + result.stdout


def test_check_deploy_warns_without_the_sim_fee_bank_secret(production):
    production.pop("LICENSING_BANK_SECRET")
    result = run_bersih("check", "--deploy", "--fail-level", "WARNING", **production)
    assert result.returncode != 0
    assert "bersih.licensing.W001" in result.stderr + result.stdout


def test_production_refuses_to_start_without_secret_key(production):
    production.pop("SECRET_KEY")
    result = run_bersih("check", **production)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_keeps_its_own_secret_key(tmp_path):
    first = run_bersih("check", BERSIH_VAR_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    run_bersih("check", BERSIH_VAR_DIR=str(tmp_path))
    assert (tmp_path / "secret_key").read_text() == key
