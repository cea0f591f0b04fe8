"""Code cells' syntax highlighting for the HTML export, as nbconvert's `highlight_code`
filter does it (Pygments, IPython's lexers, a cell's `magics_language`), with each lexer
and the formatter made once per export instead of once per cell: building Pygments'
HtmlFormatter builds its whole stylesheet, 1 s of a 500-cell export.

Pygments escapes the code it formats, so its output needs no HTML sanitising (nbconvert's
lab template runs it through bleach, 2 s of the same export)."""

from __future__ import annotations

from functools import cache
from html import escape
from typing import Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound


@cache
def _lexer(language: str) -> Lexer:
    if language in ("ipython3", "ipython2"):
        try:
            from IPython.lib.lexers import IPython3Lexer, IPythonLexer
        except ModuleNotFoundError:
            language = "python3" if language == "ipython3" else "python2"
        else:
            return IPython3Lexer() if language == "ipython3" else IPythonLexer()
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return TextLexer()  # as nbconvert: unknown languages show as plain text


@cache
def _formatter(language: str) -> HtmlFormatter[str]:
    return HtmlFormatter(cssclass=escape(f" highlight hl-{language}"))


class Highlighter:
    """The `highlight_code` filter: `highlight(source, metadata=cell.metadata)`."""

    def __init__(self, language: str | None) -> None:
        self.language = language or "ipython3"

    def __call__(self, source: str, language: str | None = None, metadata: Any = None) -> str:
        language = language or self.language
        if language.startswith("ipython") and metadata and "magics_language" in metadata:
            language = str(metadata["magics_language"])
        return highlight(source or " ", _lexer(language), _formatter(language))
