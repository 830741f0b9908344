"""The ``alerting.dispatch`` config section: the routing tree, grouping and repeat intervals, and retries of
deliveries. Loading a config file imports it, so it holds models only (``dispatcher`` routes by them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import msgspec

from itops.alerting.muting.matchers import MatcherError, parse_matchers
from itops.common.yaml_config import Duration, FieldProblem

__all__ = ["DispatchConfig", "RetryConfig", "RouteConfig", "check_dispatch"]


class RouteConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    receiver: Annotated[str | None, msgspec.Meta(description="Receiver for alerts this route keeps; inherited.")] = None
    receiver_label: Annotated[str | None, msgspec.Meta(
        description="Take the receiver from this label (e.g. responsible_person) when it names one; else `receiver`.")] = None
    matchers: Annotated[list[str], msgspec.Meta(description='Labels an alert must have, e.g. [\'severity="P1"\'].')] = []
    continue_: Annotated[bool, msgspec.Meta(
        description="Also try the following sibling routes after this one matched.")] = msgspec.field(default=False, name="continue")
    group_by: Annotated[list[str] | None, msgspec.Meta(
        description="Labels whose values form one notification group; ['...'] means all labels.")] = None
    group_wait: Annotated[Duration | None, msgspec.Meta(description="Wait before the first notification of a group.")] = None
    group_interval: Annotated[Duration | None, msgspec.Meta(description="Wait between looks at a group for changes.")] = None
    repeat_interval: Annotated[Duration | None, msgspec.Meta(description="Send again while firing after this long.")] = None
    routes: Annotated[list[RouteConfig], msgspec.Meta(description="Child routes, tried in order.")] = []


class RetryConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    initial_backoff: Annotated[Duration, msgspec.Meta(description="Wait before the second attempt; doubles each time.")] = Duration(1)
    max_backoff: Annotated[Duration, msgspec.Meta(description="Longest wait between attempts.")] = Duration(60)
    max_attempts: Annotated[int, msgspec.Meta(ge=1, description="Attempts per notification, the first included.")] = 6


class DispatchConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    route: Annotated[RouteConfig, msgspec.Meta(description="The top route; it must name a receiver.")]
    retry: Annotated[RetryConfig, msgspec.Meta(description="Retries of retryable delivery failures.")] = msgspec.field(default_factory=RetryConfig)


def check_dispatch(config: DispatchConfig, receivers: Iterable[str]) -> None:
    """Raise FieldProblem for a route that names no known receiver or has a matcher that cannot be read."""
    known = sorted(receivers)
    if not config.route.receiver:
        raise FieldProblem("route.receiver", "the top route needs a receiver (alerts no other route takes go there)")
    if config.retry.max_backoff < config.retry.initial_backoff:
        raise FieldProblem("retry.max_backoff", "must not be shorter than initial_backoff")
    _check_route(config.route, "route", known)


def _check_route(route: RouteConfig, where: str, known: list[str]) -> None:
    if route.receiver is not None and route.receiver not in known:
        raise FieldProblem(f"{where}.receiver", f"no receiver named {route.receiver!r}; configured: {', '.join(known)}")
    try:
        parse_matchers(route.matchers)
    except MatcherError as exc:
        raise FieldProblem(f"{where}.matchers", str(exc)) from None
    for index, child in enumerate(route.routes):
        _check_route(child, f"{where}.routes[{index}]", known)
