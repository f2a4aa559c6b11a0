"""Settings, each declared once with its default and help.

Precedence, lowest first: the defaults below -> a TOML file (``storyline.toml``
in the working directory, or the file named by ``STORYLINE_CONFIG``) ->
``STORYLINE_<NAME>`` environment variables -> explicit overrides (CLI flags).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError


@dataclass(frozen=True)
class Settings:
    """Every setting storyline reads; see :func:`load_settings`."""

    db: str = "storyline.db"
    #: inputs larger than this are skipped whole (a 200 MB "page" is not an article).
    max_input_bytes: int = 20_000_000
    #: per-page extraction time cap, seconds.
    extract_timeout: float = 10.0
    #: spaCy pipeline; the official en_core_web_sm is preferred when installed.
    spacy_model: str = "en_core_web_sm"
    #: articles annotated per spaCy batch (a batch also holds at most ~100,000 characters).
    batch_size: int = 128
    #: fetching URLs from private, loopback or link-local addresses.
    allow_private_urls: bool = False
    #: seconds and bytes allowed for one URL fetch.
    fetch_timeout: float = 20.0
    fetch_max_bytes: int = 10_000_000
    #: the token that ``POST /api/articles`` requires; empty = read-only server.
    api_token: str = ""
    #: words in a story's cited summary.
    summary_words: int = 120
    #: sentence embeddings (the ``semantic`` extra) in pair similarity and in how headlines
    #: join stories: auto (when installed), on or off.
    semantic: str = "auto"
    #: processes that extract and annotate (most of a run's time) side by side. 0 = the
    #: command line's choice (``storyline run``: one per core, at most 8, once a run has
    #: enough pages to repay their start) and one process in a Python program, which opts
    #: in with 2 or more (its main module then needs ``if __name__ == "__main__":``, as
    #: multiprocessing requires); 1 = none.
    workers: int = 0


HELP: dict[str, str] = {
    "db": "SQLite database file",
    "max_input_bytes": "skip inputs larger than this many bytes",
    "extract_timeout": "seconds allowed to extract one page",
    "spacy_model": "spaCy pipeline name",
    "batch_size": "articles per annotation batch",
    "allow_private_urls": "allow fetching private/loopback addresses",
    "fetch_timeout": "seconds allowed for one URL fetch",
    "fetch_max_bytes": "bytes allowed for one URL fetch",
    "api_token": "token required to write through the web API",
    "summary_words": "words in each story's summary",
    "semantic": "sentence embeddings in pair similarity and headline clustering: auto (when installed), on or off",
    "workers": "processes for extraction and annotation: 0 = one per core (storyline run), 1 = none",
}


def _coerce(name: str, value: Any, kind: type) -> Any:
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    text = str(value).strip()
    try:
        if kind is bool:
            if text.lower() in {"1", "true", "yes", "on"}:
                return True
            if text.lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(text)
        return kind(text)
    except ValueError:
        raise ConfigError(f"setting {name!r} must be {kind.__name__}, got {text!r}") from None


def load_settings(
    overrides: dict[str, Any] | None = None,
    *,
    config_file: str | Path | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Resolve settings from defaults, file, environment and overrides."""
    env = os.environ if environ is None else environ
    kinds = {f.name: type(getattr(Settings(), f.name)) for f in fields(Settings)}
    values: dict[str, Any] = {}

    path = Path(config_file or env.get("STORYLINE_CONFIG") or "storyline.toml")
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        data = data.get("storyline", data)
        for key, value in data.items():
            if key not in kinds:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            values[key] = _coerce(key, value, kinds[key])

    for name, kind in kinds.items():
        env_value = env.get(f"STORYLINE_{name.upper()}")
        if env_value is not None:
            values[name] = _coerce(name, env_value, kind)

    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name not in kinds:
            raise ConfigError(f"unknown setting {name!r}")
        values[name] = _coerce(name, value, kinds[name])
    settings = replace(Settings(), **values)
    if settings.workers < 0:
        raise ConfigError(f"setting 'workers' must be 0 (one per core) or more, got {settings.workers}")
    return settings
