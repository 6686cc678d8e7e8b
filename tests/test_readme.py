"""The README documents every setting that settings.py reads from the environment."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_setting_is_documented():
    settings_source = (ROOT / "src/bersih/settings.py").read_text()
    names = set(re.findall(r'env(?:_bool|_int|_list)?\(\s*"([A-Z_][A-Z0-9_]*)"', settings_source))
    names |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z_][A-Z0-9_]*)"', settings_source))
    readme = (ROOT / "README.md").read_text()
    assert names, "no environment settings found: the pattern no longer matches settings.py"
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"settings missing from the README's configuration table: {missing}"


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text()[:400]
    assert "make demo" in head and "make test" in head
