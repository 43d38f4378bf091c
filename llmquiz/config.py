"""The user's settings: a small TOML file in the config folder, every key typed and range-checked."""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from llmquiz import paths
from llmquiz.errors import ConfigError


@dataclass(frozen=True)
class Config:
    """Settings with their defaults; `llmquiz config show` prints them."""

    default_topic: str = ""          # used by `study` when --topic is not given ("" = all topics)
    new_per_day: int = 20            # new cards introduced per day across all topics
    session_limit: int = 20          # cards per study session
    desired_retention: float = 0.9   # FSRS target recall probability, 0.70-0.99
    encoder: str = "auto"            # grader's sentence encoder: auto, hashing, minilm, or a folder
    color: bool = True               # false turns colour off (NO_COLOR does too)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


HELP = {
    "default_topic": "topic `study` drills when --topic is not given (empty: all topics)",
    "new_per_day": "new cards per day across all topics (0-1000)",
    "session_limit": "cards per study session (1-1000)",
    "desired_retention": "target probability of recall at review time (0.70-0.99)",
    "encoder": "grader's sentence encoder: auto, hashing, minilm, or a model folder",
    "color": "coloured output (true/false); NO_COLOR also turns it off",
}


def config_path() -> Path:
    """Where the config file lives."""
    return paths.config_dir() / "config.toml"


def _check(key: str, value: Any) -> Any:
    """Coerce and range-check one value; raise ConfigError naming the key and the allowed range."""
    kinds = {f.name: f.type for f in fields(Config)}
    if key not in kinds:
        raise ConfigError(f"unknown config key '{key}'; keys: {', '.join(kinds)}.")
    kind = kinds[key]
    try:
        if kind == "bool":
            if isinstance(value, bool):
                out: Any = value
            elif str(value).lower() in ("true", "yes", "on", "1"):
                out = True
            elif str(value).lower() in ("false", "no", "off", "0"):
                out = False
            else:
                raise ValueError
        elif kind == "int":
            if isinstance(value, bool):
                raise ValueError
            out = int(value)
        elif kind == "float":
            out = float(value)
        else:
            out = str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"config key '{key}' takes a {kind}, not {value!r}.") from None
    limits = {"new_per_day": (0, 1000), "session_limit": (1, 1000), "desired_retention": (0.7, 0.99)}
    if key in limits and not limits[key][0] <= out <= limits[key][1]:
        lo, hi = limits[key]
        raise ConfigError(f"config key '{key}' must be between {lo} and {hi}, not {out}.")
    return out


def load() -> Config:
    """The user's config, defaults for anything unset; a broken file is a ConfigError with its place."""
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read {path}: {e}; fix or delete the file.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: {e}; fix the file or delete it to use the defaults.") from None
    values = {}
    for key, value in data.items():
        try:
            values[key] = _check(key, value)
        except ConfigError as e:
            raise ConfigError(f"{path}: {e.message}") from None
    return Config(**values)


def set_value(key: str, value: str) -> Config:
    """Change one key and write the file atomically; return the new config."""
    current = load().to_dict()
    current[key] = _check(key, value)
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# llmquiz settings; `llmquiz config set KEY VALUE` edits this file."]
    for k, v in current.items():
        if v != getattr(Config(), k):
            lines.append(f"{k} = {_toml(v)}")
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return Config(**current)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
