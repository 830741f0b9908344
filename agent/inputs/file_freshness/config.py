"""Options of the ``file_freshness`` input: which files must be recent and big enough, e.g. backups."""

from __future__ import annotations

from typing import Annotated

import msgspec

from itops.agent.inputs.base import InputConfig
from itops.common.plugin_registry import plugin_name
from itops.common.yaml_config import ByteSize, Duration

__all__ = ["FileFreshnessConfig", "FreshnessRule"]


class FreshnessRule(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The newest file matching ``path`` must be younger than ``max_age`` and at least ``min_size``."""

    path: Annotated[str, msgspec.Meta(min_length=1, description="Glob of the files, e.g. `/srv/backup/erp/erp-*.sql.gz`; `**` matches any depth of directories.")]
    name: Annotated[str | None, msgspec.Meta(description="What to call these files in results, e.g. `ERP database backup`. Defaults to `path`.")] = None
    max_age: Annotated[Duration, msgspec.Meta(description="The newest file must have been modified within this time, e.g. `26h`.")]
    min_size: Annotated[ByteSize, msgspec.Meta(description="The newest file must be at least this big, e.g. `1MiB`; catches empty dumps.")] = ByteSize(0)

    @property
    def target(self) -> str:
        return self.name or self.path


class FileFreshnessConfig(InputConfig, tag=plugin_name(__name__)):
    """Age and size of the newest file matching each glob: backups, exports, log rotations."""

    files: Annotated[list[FreshnessRule], msgspec.Meta(min_length=1, description="The files to watch.")]
