"""An accepted batch, as the alerting pipeline observes it (only what its rules look at).

Ingest calls this after the batch is durably stored; samples of metrics no rule uses are not even
grouped, so alerting costs ingest nothing for them.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from itops.alerting.rules.model import (
    CheckObservation,
    ObservedBatch,
    SampleObservation,
)
from itops.collector.ingest.validation import ValidBatch
from itops.collector.records.check_messages import rendered_messages
from itops.common.key_cache import KEY_LIST_CACHE_LIMIT, KeyCache
from itops.entities import Entity, entities_of
from itops.series_key import RESERVED_LABEL
from itops.v1 import ingest_pb2

__all__ = ["observed_batch"]

_labels_of_key: KeyCache[str, tuple[str, dict[str, str]]] = KeyCache()


def _samples(agent_id: str, valid: ValidBatch, labels_of: Callable[[str], tuple[str, dict[str, str]]],
             wants_metric: Callable[[str], bool]) -> tuple[SampleObservation, ...]:
    wanted = [(index, key) for index, key in enumerate(valid.keys) if wants_metric(key.partition("{")[0])]
    if not wanted:
        return ()
    order = np.argsort(valid.series_index, kind="stable")
    sorted_index = valid.series_index[order]
    observations = []
    for index, key in wanted:
        start, end = np.searchsorted(sorted_index, [index, index + 1])
        positions = order[start:end]
        name, labels = _labels_of_key.get_or_make(key, labels_of)
        observations.append(SampleObservation(
            name, {**labels, RESERVED_LABEL: agent_id},
            tuple(valid.timestamps_ms[positions].tolist()), tuple(valid.values[positions].tolist())))
    return tuple(observations)


def _checks(agent_id: str, checks: list[ingest_pb2.CheckResult], wants_check: Callable[[str], bool]) -> tuple[CheckObservation, ...]:
    return tuple(
        CheckObservation(check.check, check.target, ingest_pb2.CheckStatus.Name(check.status).removeprefix("CHECK_STATUS_"),
                         check.message, check.timestamp_ms,
                         {**{label.name: label.value for label in check.labels}, RESERVED_LABEL: agent_id},
                         rendered_messages(({"key": p.key, "args": p.args} for p in check.message_parts), check.message))
        for check in checks if wants_check(check.check)
    )


_entities_of_key: KeyCache[str, tuple[Entity, ...]] = KeyCache()
_entities_of_key_list: KeyCache[tuple[str, ...], tuple[Entity, ...]] = KeyCache(KEY_LIST_CACHE_LIMIT)


def _entities(keys: list[str], labels_of: Callable[[str], tuple[str, dict[str, str]]]) -> tuple[Entity, ...]:
    """The entities these series keys are about and the hosts that report them."""
    def entities_in(key: str) -> tuple[Entity, ...]:
        metric, labels = labels_of(key)
        return entities_of(labels, metric)

    def entities_in_all(signature: tuple[str, ...]) -> tuple[Entity, ...]:
        found = {entity for key in signature for entity in _entities_of_key.get_or_make(key, entities_in)}
        return tuple(sorted(found, key=lambda entity: (entity.label, entity.name)))

    return _entities_of_key_list.get_or_make(tuple(keys), entities_in_all)


def observed_batch(agent_id: str, received_ms: int, valid: ValidBatch,
                   labels_of: Callable[[str], tuple[str, dict[str, str]]],
                   wants_metric: Callable[[str], bool], wants_check: Callable[[str], bool]) -> ObservedBatch:
    return ObservedBatch(agent_id, received_ms, _samples(agent_id, valid, labels_of, wants_metric),
                         _checks(agent_id, valid.checks, wants_check), _entities(valid.keys, labels_of))
