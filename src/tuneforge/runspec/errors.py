"""Config problems that name the file, the line and the key path, all reported at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tuneforge.exceptions import TuneforgeError


@dataclass(frozen=True)
class ConfigIssue:
    """One problem: where it is (line, key path such as ``models[1].space.C``) and what."""

    line: int | None
    path: str
    message: str

    def format(self, source: str) -> str:
        """``config.yaml:7: models[1]: unknown model 'svm'`` (parts that are unknown left out)."""
        where = f"{source}:{self.line}" if self.line else source
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(TuneforgeError, ValueError):
    """A config file is invalid; `issues` holds every problem found, in line order."""

    def __init__(self, source: str, issues: Iterable[ConfigIssue]) -> None:
        self.source = source
        self.issues = sorted(issues, key=lambda i: (i.line or 0, i.path))
        super().__init__("\n".join(self.lines))

    @property
    def lines(self) -> list[str]:
        """One line an issue, each starting with ``file:line:``."""
        return [issue.format(self.source) for issue in self.issues]
