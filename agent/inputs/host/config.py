"""Options of the ``host`` input: which CPUs, filesystems, disks and network interfaces to report.

Every filter is a list of shell-style patterns (``/snap/*``, ``veth*``). An empty include list means
"all"; an exclude pattern wins over an include pattern.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from itops.agent.inputs.base import InputConfig
from itops.common.plugin_registry import plugin_name

__all__ = ["HostConfig"]


class HostConfig(InputConfig, tag=plugin_name(__name__)):
    """CPU, load, memory, swap, filesystems, disk I/O, network, uptime, logged-in users and processes of this host."""

    per_cpu: Annotated[bool, msgspec.Meta(description="Report `itops_host_cpu_usage_ratio` and `itops_host_cpu_mode_ratio` for every core as well as the total.")] = True
    process_states: Annotated[bool, msgspec.Meta(description="Count processes by state (`itops_host_processes_state`: running, sleeping, zombie, ...). Reads every process's status, about 15 µs of CPU per process per gather; off: only the number of processes.")] = True
    mountpoints: Annotated[list[str], msgspec.Meta(description="Only report filesystems mounted at these paths (patterns). Empty: all.")] = []
    ignore_mountpoints: Annotated[list[str], msgspec.Meta(description="Never report filesystems mounted at these paths (patterns), e.g. `/snap/*`.")] = []
    fstypes: Annotated[list[str], msgspec.Meta(description="Only report filesystems of these types (patterns), e.g. `ext4`, `xfs`. Empty: all.")] = []
    ignore_fstypes: Annotated[list[str], msgspec.Meta(description="Never report filesystems of these types (patterns), e.g. `nfs*`. Pseudo filesystems (proc, tmpfs, overlay, squashfs, ...) are always skipped.")] = []
    ignore_disks: Annotated[list[str], msgspec.Meta(description="Never report I/O of these block devices (patterns), e.g. `dm-*`. RAM disks, loop devices and partitions are always skipped.")] = []
    ignore_interfaces: Annotated[list[str], msgspec.Meta(description="Never report these network interfaces (patterns), e.g. `veth*`, `docker0`. Loopback is always skipped.")] = []
