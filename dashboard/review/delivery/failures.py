"""Why a target could not be sent to, and the retry policy shared by every kind of target."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


class DeliveryError(Exception):
    """A failure worth a one-line message; `transient` ones (unreachable, busy) are retried.

    Permanent refusals (wrong password, unknown recipient, HTTP 4xx) fail at once: asking again
    cannot change the answer, and repeated failed logins can lock a mail account.
    """

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def redact(text: str, secrets: Iterable[str]) -> str:
    """The text with every secret value replaced, so no message can leak one by accident."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def with_retries(
    action: Callable[[], T],
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[T, int]:
    """The action's result and the attempts it took; waits backoff, 2x, 4x... between transient failures.

    The last DeliveryError is raised with the number of attempts added to its message.
    """
    for attempt in range(1, attempts + 1):
        try:
            return action(), attempt
        except DeliveryError as exc:
            if not exc.transient or attempt == attempts:
                tried = f" after {attempt} attempts" if attempt > 1 else ""
                raise DeliveryError(f"{exc}{tried}", exc.transient) from exc
            sleep(backoff * 2 ** (attempt - 1))
    raise AssertionError("unreachable: attempts must be at least 1")
