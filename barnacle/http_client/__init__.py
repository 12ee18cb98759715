"""HTTP for the whole process: one session, retries, pacing, clear errors. Knows no IIIF."""

from barnacle.http_client.breaker import HostBreaker, HostDown
from barnacle.http_client.errors import FetchError, RetryKind
from barnacle.http_client.get_json import get_json
from barnacle.http_client.retrying import RetryLog, get_with_retries
from barnacle.http_client.session import BarnacleSession, HttpSettings, get_session
from barnacle.http_client.urls import check_fetchable, url_problem

__all__ = [
    "BarnacleSession",
    "FetchError",
    "HostBreaker",
    "HostDown",
    "HttpSettings",
    "RetryKind",
    "RetryLog",
    "check_fetchable",
    "get_json",
    "get_session",
    "get_with_retries",
    "url_problem",
]
