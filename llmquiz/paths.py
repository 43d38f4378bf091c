"""Where llmquiz keeps its files: one function per kind of place, one override for all of them.

`LLMQUIZ_HOME` puts everything (progress, cache, config) under one folder; tests point it at a
temporary directory so no test can touch a real learner's progress.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _platform_dir(kind: str) -> Path:
    # Follows each platform's convention without a dependency: XDG on Linux, ~/Library on macOS,
    # %APPDATA% / %LOCALAPPDATA% on Windows.
    home = Path.home()
    if sys.platform == "darwin":
        sub = {"data": "Application Support", "config": "Application Support", "cache": "Caches"}
        return home / "Library" / sub[kind] / "llmquiz"
    if os.name == "nt":
        env = "APPDATA" if kind == "config" else "LOCALAPPDATA"
        base = Path(os.environ.get(env, home / "AppData" / ("Roaming" if kind == "config" else "Local")))
        return base / "llmquiz" / (kind if kind == "cache" else "")
    xdg = {"data": ("XDG_DATA_HOME", ".local/share"), "config": ("XDG_CONFIG_HOME", ".config"),
           "cache": ("XDG_CACHE_HOME", ".cache")}[kind]
    return Path(os.environ.get(xdg[0]) or home / xdg[1]) / "llmquiz"


def _dir(kind: str) -> Path:
    home = os.environ.get("LLMQUIZ_HOME")
    return Path(home) / kind if home else _platform_dir(kind)


def data_dir() -> Path:
    """Progress lives here (the SQLite store)."""
    return _dir("data")


def cache_dir() -> Path:
    """Rebuildable files: deck cache, encoder fits, tokenizer data."""
    return _dir("cache")


def config_dir() -> Path:
    """The user's config.toml."""
    return _dir("config")


def store_path() -> Path:
    """The progress database."""
    return data_dir() / "progress.sqlite3"


def user_decks_dir() -> Path:
    """The learner's own deck folder (always loaded, after the shipped decks)."""
    return data_dir() / "decks"


def shipped_decks_dir() -> Path:
    """The decks that ship inside the package (the repo's top-level `decks/` in a checkout)."""
    here = Path(__file__).resolve().parent
    packaged = here / "decks"
    return packaged if packaged.is_dir() else here.parent / "decks"
