"""Options of the ``tls_certificate_file`` input, and the expiry thresholds the ``http`` input shares."""

from __future__ import annotations

from typing import Annotated

import msgspec

from itops.agent.inputs.base import InputConfig
from itops.common.plugin_registry import plugin_name
from itops.common.yaml_config import Duration

__all__ = ["ExpiryCritical", "ExpiryWarning", "TlsCertificateFileConfig", "DEFAULT_EXPIRY_CRITICAL", "DEFAULT_EXPIRY_WARNING"]

DEFAULT_EXPIRY_WARNING = Duration(21 * 86400)
DEFAULT_EXPIRY_CRITICAL = Duration(7 * 86400)

ExpiryWarning = Annotated[Duration, msgspec.Meta(description="A certificate expiring within this time is WARNING, e.g. `21d`.")]
ExpiryCritical = Annotated[Duration, msgspec.Meta(description="A certificate expiring within this time, or expired, is CRITICAL, e.g. `7d`.")]


class TlsCertificateFileConfig(InputConfig, tag=plugin_name(__name__)):
    """When the certificates in PEM files on this host expire."""

    files: Annotated[list[str], msgspec.Meta(min_length=1, description="PEM files, each holding one certificate or a chain; a chain is as good as its first certificate to expire.")]
    expiry_warning: ExpiryWarning = DEFAULT_EXPIRY_WARNING
    expiry_critical: ExpiryCritical = DEFAULT_EXPIRY_CRITICAL

    def __post_init__(self):
        if self.expiry_critical > self.expiry_warning:
            raise ValueError("expiry_critical must not be longer than expiry_warning")
