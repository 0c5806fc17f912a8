"""Throttles per token (per user: a user has one token) and per anonymous address.

The rates are read from settings on every request rather than once at import, as DRF's
own classes do, so an operator's environment change and a test's override both apply.
DRF answers a throttled request with 429 and a Retry-After header.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView


def _rate(scope: str) -> str | None:
    return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(scope)


class AnonAddressThrottle(AnonRateThrottle):
    scope = "anon"

    def get_rate(self) -> str | None:
        return _rate(self.scope)


class TokenThrottle(UserRateThrottle):
    scope = "user"

    def get_rate(self) -> str | None:
        return _rate(self.scope)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        # Anonymous requests are the address throttle's; counting them here too would
        # hold a crowd behind one address to the (higher) token rate as well.
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
