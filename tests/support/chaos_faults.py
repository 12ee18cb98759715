"""The faults of the chaos server (support/chaos_server.py) and its request log: a Fault (what
to do to one answer), a Rule (which requests get which faults: a schedule per path, or seeded
draws), and a Hit (one request and what was done to it). Standard library and pydantic only."""

from __future__ import annotations

import random
import re
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FaultKind = Literal["latency", "status", "reset", "truncate", "html", "lie_size", "stall"]
LONGEST_STALL = 600.0  # seconds; a stall "until released" ends at the latest after this


class Fault(BaseModel):
    """One thing to do wrong with one request."""

    model_config = ConfigDict(frozen=True)

    kind: FaultKind
    status: int = Field(default=503, description="kind 'status': the status to answer")
    retry_after: str | None = Field(default=None, description="'status': a Retry-After value")
    seconds: float = Field(
        default=0.0, description="'latency': delay; 'stall': how long to hold (0: until released)"
    )
    fraction: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="'reset'/'truncate'/'stall': the share of the body sent first",
    )
    factor: float = Field(default=10.0, gt=0, description="'lie_size': width/height multiplier")

    @classmethod
    def latency(cls, seconds: float) -> Fault:
        return cls(kind="latency", seconds=seconds)

    @classmethod
    def http(cls, status: int, retry_after: str | None = None) -> Fault:
        return cls(kind="status", status=status, retry_after=retry_after)

    @classmethod
    def reset(cls, fraction: float = 0.5) -> Fault:
        return cls(kind="reset", fraction=fraction)

    @classmethod
    def truncate(cls, fraction: float = 0.5) -> Fault:
        return cls(kind="truncate", fraction=fraction)

    @classmethod
    def html(cls) -> Fault:
        return cls(kind="html")

    @classmethod
    def lie_size(cls, factor: float) -> Fault:
        return cls(kind="lie_size", factor=factor)

    @classmethod
    def stall(cls, seconds: float = 0.0, fraction: float = 0.0) -> Fault:
        """Hold the request `seconds` (0: until released); with `fraction` > 0, after the
        headers and that share of the body."""
        return cls(kind="stall", seconds=seconds, fraction=fraction)

    @property
    def label(self) -> str:
        """How the log names this fault: http_503, http_429_retry_after, reset, stall ..."""
        if self.kind == "status":
            return f"http_{self.status}" + ("_retry_after" if self.retry_after else "")
        return self.kind


TRANSIENT_FAULTS = [
    Fault.http(429),
    Fault.http(429, retry_after="1"),
    Fault.http(500),
    Fault.http(502),
    Fault.http(503),
    Fault.reset(),
    Fault.stall(),
    Fault.stall(fraction=0.5),
    Fault.truncate(),
]


class Rule(BaseModel):
    """Which requests get which faults (see the module docstring)."""

    pattern: str = Field(default="", description="regular expression searched in the path")
    schedule: list[Fault | None] = Field(default_factory=list)
    then: Fault | None = None
    probability: float = Field(default=0.0, ge=0.0, le=1.0)
    choices: list[Fault] = Field(default_factory=list)
    seed: int = 0
    tag: str = ""

    @model_validator(mode="after")
    def _choices_for_probability(self) -> Rule:
        if self.probability > 0 and not self.choices:
            raise ValueError("a rule with a probability needs choices")
        re.compile(self.pattern)
        return self

    def fault_for(self, path: str, number: int) -> Fault | None:
        """The fault for the `number`-th (1-based) request of `path` seen by this rule."""
        if number <= len(self.schedule):
            return self.schedule[number - 1]
        if self.then is not None:
            return self.then
        if self.probability > 0:
            rng = random.Random(f"{self.seed}|{path}|{number}")
            if rng.random() < self.probability:
                return self.choices[rng.randrange(len(self.choices))]
        return None


class Hit(BaseModel):
    """One request the chaos server received, and what it did with it."""

    path: str
    number: int = Field(description="1 for the first request of this path, 2 for the next ...")
    fault: str | None = Field(default=None, description="the fault's label; None: untouched")
    tag: str | None = None
    status: int | None = Field(default=None, description="the status sent, if one was")
    at: float = Field(default_factory=time.monotonic)
