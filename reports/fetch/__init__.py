"""Getting report text in: files, folders, HTML pages, URLs and feeds.

Nothing here writes to the database. Every reader returns `RawReport` values (text
plus what is known about it) or raises `FetchError` with a message fit for a person,
so one bad input is reported and the others go on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


class FetchError(Exception):
    """Input that cannot become a report. `transient` errors (a timeout, a 5xx) are
    worth retrying later; the others (an empty or binary file) are not."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient


@dataclass(slots=True)
class RawReport:
    text: str
    origin: str = ""
    url: str = ""
    file_name: str = ""
    title: str = ""
    outlet: str = ""
    published: dt.date | None = None
    language: str = ""
    author: str = ""
    metadata: dict = field(default_factory=dict)
    # Problems that did not stop the report (a header date that does not parse).
    warnings: list[str] = field(default_factory=list)
