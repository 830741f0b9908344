"""What the collector accepts from an agent in one batch: the ``validation`` section of the collector config.
Loading a config file imports this module, so it holds the model only (``validation`` checks batches by it)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from itops.common.yaml_config import Duration

__all__ = ["ValidationLimits"]


def _limit(description: str) -> msgspec.Meta:
    return msgspec.Meta(ge=1, description=description)


class ValidationLimits(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the collector accepts from an agent in one batch."""

    max_samples_per_batch: Annotated[int, _limit("Most samples in one batch; agents learn it from Hello and split larger batches.")] = 100_000
    max_series_per_batch: Annotated[int, _limit("Most distinct series keys in one batch.")] = 100_000
    max_labels_per_series: Annotated[int, _limit("Most labels on one series or check result, not counting `agent`.")] = 32
    max_metric_name_length: Annotated[int, _limit("Longest metric or check name, in characters.")] = 200
    max_label_name_length: Annotated[int, _limit("Longest label name, in characters.")] = 100
    max_label_value_length: Annotated[int, _limit("Longest label value, in characters.")] = 1024
    max_series_key_length: Annotated[int, _limit("Longest series key (name and all labels in text form), in characters.")] = 4096
    non_finite: Annotated[
        Literal["reject", "accept"],
        msgspec.Meta(description="What to do with a NaN or ±Inf sample value: `reject` the batch, or `accept` and store it."),
    ] = "reject"
    max_future_skew: Annotated[Duration, msgspec.Meta(description="How far ahead of the collector's clock a timestamp may be.")] = Duration(300)
    max_age: Annotated[
        Duration,
        msgspec.Meta(description="How far behind the collector's clock a timestamp may be; long enough for the backlog an agent replays after an outage."),
    ] = Duration(30 * 86400)
    max_checks_per_batch: Annotated[int, _limit("Most check results in one batch.")] = 10_000
    max_check_target_length: Annotated[int, _limit("Longest check target, in characters.")] = 1024
    max_check_message_length: Annotated[int, _limit("Longest check message, in characters.")] = 4096
    max_check_message_parts: Annotated[int, _limit("Most message parts (catalogue key and arguments) in one check result.")] = 32
    max_check_message_args: Annotated[int, _limit("Most arguments of one message part; each name is at most `max_label_name_length` characters, each value at most `max_label_value_length`.")] = 16
    max_text_length: Annotated[int, _limit("Longest Hello field (os, platform, IP address, asset field) or inventory string, in characters; a hostname is at most 253 bytes.")] = 256
    max_ip_addresses: Annotated[int, _limit("Most IP addresses in one Hello.")] = 256
    max_inventory_disks: Annotated[int, _limit("Most disks in one inventory snapshot.")] = 256
    max_inventory_network_interfaces: Annotated[int, _limit("Most network interfaces in one inventory snapshot.")] = 1024
    max_cached_series_keys: Annotated[
        int,
        _limit("How many validated series keys the collector remembers; past this it forgets them all and validates anew."),
    ] = 1_000_000
