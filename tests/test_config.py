from __future__ import annotations

import pytest

from storyline.config import Settings, load_settings
from storyline.errors import ConfigError


def test_defaults_when_nothing_is_set(tmp_path):
    settings = load_settings(config_file=tmp_path / "absent.toml", environ={})
    assert settings == Settings()


def test_precedence_file_then_environment_then_overrides(tmp_path):
    config = tmp_path / "storyline.toml"
    config.write_text('[storyline]\ndb = "from-file.db"\nbatch_size = 8\nsummary_words = 50\n')
    env = {"STORYLINE_BATCH_SIZE": "16", "STORYLINE_ALLOW_PRIVATE_URLS": "yes"}
    settings = load_settings({"summary_words": 70, "db": None}, config_file=config, environ=env)
    assert settings.db == "from-file.db"
    assert settings.batch_size == 16
    assert settings.allow_private_urls is True
    assert settings.summary_words == 70


def test_bad_values_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="batch_size"):
        load_settings(config_file=tmp_path / "none.toml", environ={"STORYLINE_BATCH_SIZE": "many"})
    config = tmp_path / "bad.toml"
    config.write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_settings(config_file=config, environ={})
