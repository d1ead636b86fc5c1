"""Typed reads of the environment for settings: a bad value stops start-up, naming its variable."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
# An empty value is false, as it always was here: `DJANGO_DEBUG=` switches debugging off.
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
# DRF's throttle rates: a count, a slash and a period whose first letter DRF reads (s, m, h, d).
_RATE = re.compile(r"\d+/[smhd][a-z]*")
# user:password@ in a URL: the password never reaches an error message (logs keep those).
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def _read(
    name: str,
    default: T,
    parse: Callable[[str], T],
    expected: str,
    shown: str | None = None,
    mask: Callable[[str], str] = repr,
) -> T:
    """The variable parsed, or the default when it is unset; a bad value names the variable."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return parse(raw.strip())
    except ValueError as error:
        raise ImproperlyConfigured(
            f"Environment variable {name}={mask(raw)} is not {expected} ({error}). "
            f"Set it to {expected}, or unset it for the default ({shown or repr(default)})."
        ) from None


def env_str(name: str, default: str) -> str:
    """A string, as given."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """A switch: 1/true/yes/on or 0/false/no/off (any case); anything else is an error."""

    def parse(text: str) -> bool:
        word = text.lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return word in TRUE_WORDS
        raise ValueError("neither on nor off")

    return _read(name, default, parse, "a switch: 1, true, yes, on or 0, false, no, off")


def env_int(name: str, default: int) -> int:
    """A whole number, 0 or more."""

    def parse(text: str) -> int:
        number = int(text)
        if number < 0:
            raise ValueError("negative")
        return number

    return _read(name, default, parse, "a whole number of 0 or more")


def env_float(name: str, default: float) -> float:
    """A finite number, 0 or more (seconds, mostly)."""

    def parse(text: str) -> float:
        number = float(text)
        if not math.isfinite(number) or number < 0:
            raise ValueError("negative or not finite")
        return number

    return _read(name, default, parse, "a number of 0 or more")


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list; blanks around and between items are dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    """A folder or file path; an empty value is an error (it would mean the current folder)."""

    def parse(text: str) -> Path:
        if not text:
            raise ValueError("empty")
        return Path(text)

    return _read(name, default, parse, "a path")


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of a fixed set of words, compared without case and given back as listed."""
    by_word = {choice.lower(): choice for choice in choices}

    def parse(text: str) -> str:
        if text.lower() not in by_word:
            raise ValueError("not one of them")
        return by_word[text.lower()]

    return _read(name, default, parse, "one of " + ", ".join(choices))


def env_rate(name: str, default: str) -> str:
    """A throttle rate as DRF reads it: requests/period, e.g. 120/min or 10/s."""

    def parse(text: str) -> str:
        if not _RATE.fullmatch(text):
            raise ValueError("not count/period")
        return text

    return _read(name, default, parse, "a rate like 120/min (per s, min, hour or day)")


def env_database(name: str, default: str, **options: Any) -> dict[str, Any]:
    """Django's database settings from a URL (dj-database-url); a URL it cannot read is an error."""

    def parse(text: str) -> dict[str, Any]:
        if "://" not in text:
            raise ValueError("no scheme:// in it")
        try:
            config = dict(dj_database_url.parse(text, **options))
        except ValueError as error:  # its "unknown scheme" and "not a URL" errors
            raise ValueError(str(error).split(". ")[0]) from None
        if not config.get("ENGINE"):
            raise ValueError("no database engine in it")
        return config

    expected = "a database URL like postgres://user@host:5432/db"

    def mask(url: str) -> str:
        return repr(_PASSWORD.sub(r"\1****@", url))

    return _read(name, parse(default), parse, expected, shown=repr(default), mask=mask)
