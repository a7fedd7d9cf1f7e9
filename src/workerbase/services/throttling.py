"""Throttles for failed logins (per account and per client IP) and for signups and guest accounts (per IP).

After a policy's free attempts within its window (counted from the last attempt), every further attempt
locks the key for an exponentially growing time (base, 2 x base, 4 x base, ...), capped at 15 minutes;
while locked, requests get 429 with `Retry-After` without their password even being checked, and are
not counted. A successful login clears the
account's counter (not the IP's: one attacker-owned account must not reset an IP that is guessing
others). State lives in D1 (strongly consistent); see `repositories/throttles.py`.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta
from typing import Any

from workerbase.errors import WorkerbaseError
from workerbase.frozen import Frozen
from workerbase.ports import Statement
from workerbase.repositories import throttles


class ThrottlePolicy(Frozen):
    prefix: str
    free_attempts: int
    window: timedelta
    base_delay_seconds: int = 2
    max_delay_seconds: int = 15 * 60

    def key(self, subject: str) -> str:
        return f"{self.prefix}:{subject}"

    def record(self, subject: str, now: datetime) -> Statement:
        return throttles.record_attempt(
            self.key(subject),
            now=now,
            window_start=now - self.window,
            free_attempts=self.free_attempts,
            cap_seconds=self.max_delay_seconds,
            base_seconds=self.base_delay_seconds,
        )


# The windows outlast the 15-minute cap, so waiting out a lock does not also reset the count.
LOGIN_PER_ACCOUNT = ThrottlePolicy("login:account", free_attempts=5, window=timedelta(hours=1))
LOGIN_PER_IP = ThrottlePolicy("login:ip", free_attempts=20, window=timedelta(hours=1))
SIGNUP_PER_IP = ThrottlePolicy(
    "signup:ip", free_attempts=10, window=timedelta(hours=1), base_delay_seconds=60
)
# Guest accounts need no email, so only this stops one client minting accounts (and daily message quotas).
GUEST_PER_IP = ThrottlePolicy("guest:ip", free_attempts=20, window=timedelta(hours=1), base_delay_seconds=60)


def client_network(ip: str) -> str:
    """What per-IP throttles count: an IPv4 address, or an IPv6 address's /64 (one subscriber usually
    holds a whole /64, so counting single IPv6 addresses would let one client step around every limit)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class TooManyAttempts(WorkerbaseError):
    status = 429
    code = "too_many_attempts"
    title = "Too many attempts"
    public_detail = True

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"try again in {retry_after_seconds} seconds")
        self.retry_after_seconds = retry_after_seconds

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}

    def problem_extras(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after_seconds}


def raise_if_locked(now: datetime, *locked_until: object) -> None:
    """Raise TooManyAttempts if any of the `locked_until` values (ISO strings or None) is in the future."""
    locks = [datetime.fromisoformat(str(value)) for value in locked_until if value is not None]
    latest = max(locks, default=None)
    if latest is not None and latest > now:
        raise TooManyAttempts(max(1, math.ceil((latest - now).total_seconds())))
