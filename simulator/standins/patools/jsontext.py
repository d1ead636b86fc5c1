"""JSON text read and written without importing json (json pulls in re: ~13 ms a stand-in call).

`loads` accepts exactly what json.loads accepts for the documents the stand-ins read (package
files, the host's answers) and raises ValueError with a position on anything else.
"""

from __future__ import annotations

from patools.common import dumps

__all__ = ["dumps", "loads"]

_WHITESPACE = " \t\n\r"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_NUMBER_CHARS = frozenset("0123456789+-.eE")


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def error(self, what: str) -> ValueError:
        line = self.text.count("\n", 0, self.at) + 1
        column = self.at - self.text.rfind("\n", 0, self.at)
        return ValueError(f"{what}: line {line} column {column} (char {self.at})")

    def skip(self) -> None:
        text, at = self.text, self.at
        while at < len(text) and text[at] in _WHITESPACE:
            at += 1
        self.at = at

    def value(self) -> object:
        self.skip()
        text, at = self.text, self.at
        if at >= len(text):
            raise self.error("Expecting value")
        char = text[at]
        if char == "{":
            return self.read_object()
        if char == "[":
            return self.read_array()
        if char == '"':
            self.at += 1
            return self.string()
        for word, result in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, at):
                self.at = at + len(word)
                return result
        return self.number()

    def read_object(self) -> dict[str, object]:
        self.at += 1
        result: dict[str, object] = {}
        self.skip()
        if self.text[self.at : self.at + 1] == "}":
            self.at += 1
            return result
        while True:
            self.skip()
            if self.text[self.at : self.at + 1] != '"':
                raise self.error("Expecting property name enclosed in double quotes")
            self.at += 1
            key = self.string()
            self.skip()
            if self.text[self.at : self.at + 1] != ":":
                raise self.error("Expecting ':' delimiter")
            self.at += 1
            result[key] = self.value()
            self.skip()
            end = self.text[self.at : self.at + 1]
            self.at += 1
            if end == "}":
                return result
            if end != ",":
                self.at -= 1
                raise self.error("Expecting ',' delimiter")

    def read_array(self) -> list[object]:
        self.at += 1
        result: list[object] = []
        self.skip()
        if self.text[self.at : self.at + 1] == "]":
            self.at += 1
            return result
        while True:
            result.append(self.value())
            self.skip()
            end = self.text[self.at : self.at + 1]
            self.at += 1
            if end == "]":
                return result
            if end != ",":
                self.at -= 1
                raise self.error("Expecting ',' delimiter")

    def string(self) -> str:
        text = self.text
        parts: list[str] = []
        at = self.at
        while True:
            quote = text.find('"', at)
            slash = text.find("\\", at, quote if quote >= 0 else len(text))
            if quote < 0:
                raise self.error("Unterminated string starting at")
            if slash < 0:
                chunk = text[at:quote]
                if any(ord(c) < 32 for c in chunk):
                    raise self.error("Invalid control character")
                parts.append(chunk)
                self.at = quote + 1
                return "".join(parts)
            parts.append(text[at:slash])
            code = text[slash + 1 : slash + 2]
            if code == "u":
                point = self.hex4(slash + 2)
                at = slash + 6
                if 0xD800 <= point < 0xDC00 and text.startswith("\\u", at):
                    low = self.hex4(at + 2)
                    if 0xDC00 <= low < 0xE000:
                        point = 0x10000 + ((point - 0xD800) << 10) + (low - 0xDC00)
                        at += 6
                parts.append(chr(point))
            elif code in _ESCAPES:
                parts.append(_ESCAPES[code])
                at = slash + 2
            else:
                self.at = slash
                raise self.error("Invalid \\escape")

    def hex4(self, at: int) -> int:
        digits = self.text[at : at + 4]
        if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            self.at = at
            raise self.error("Invalid \\uXXXX escape")
        return int(digits, 16)

    def number(self) -> int | float:
        text, start = self.text, self.at
        at = start
        while at < len(text) and text[at] in _NUMBER_CHARS:
            at += 1
        word = text[start:at]
        self.at = at
        digits = word.lstrip("-")
        if (
            not digits
            or not digits[0].isdigit()
            or (len(digits) > 1 and digits[0] == "0" and digits[1].isdigit())
        ):
            self.at = start
            raise self.error("Expecting value")
        try:
            if any(c in word for c in ".eE"):
                return float(word)
            return int(word)
        except ValueError:
            self.at = start
            raise self.error("Expecting value") from None


def loads(text: str | bytes) -> object:
    """The value of one JSON document (ValueError with a position when it is not JSON)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    reader = _Reader(text)
    result = reader.value()
    reader.skip()
    if reader.at != len(text):
        raise reader.error("Extra data")
    return result
