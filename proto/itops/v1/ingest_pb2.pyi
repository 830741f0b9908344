from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CheckStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHECK_STATUS_OK: _ClassVar[CheckStatus]
    CHECK_STATUS_WARNING: _ClassVar[CheckStatus]
    CHECK_STATUS_CRITICAL: _ClassVar[CheckStatus]
    CHECK_STATUS_UNKNOWN: _ClassVar[CheckStatus]
CHECK_STATUS_OK: CheckStatus
CHECK_STATUS_WARNING: CheckStatus
CHECK_STATUS_CRITICAL: CheckStatus
CHECK_STATUS_UNKNOWN: CheckStatus

class EnrollRequest(_message.Message):
    __slots__ = ("agent_id", "token", "csr_pem")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CSR_PEM_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    token: str
    csr_pem: str
    def __init__(self, agent_id: _Optional[str] = ..., token: _Optional[str] = ..., csr_pem: _Optional[str] = ...) -> None: ...

class RenewRequest(_message.Message):
    __slots__ = ("csr_pem",)
    CSR_PEM_FIELD_NUMBER: _ClassVar[int]
    csr_pem: str
    def __init__(self, csr_pem: _Optional[str] = ...) -> None: ...

class CertificateReply(_message.Message):
    __slots__ = ("certificate_pem", "ca_pem", "not_after_ms")
    CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    CA_PEM_FIELD_NUMBER: _ClassVar[int]
    NOT_AFTER_MS_FIELD_NUMBER: _ClassVar[int]
    certificate_pem: str
    ca_pem: str
    not_after_ms: int
    def __init__(self, certificate_pem: _Optional[str] = ..., ca_pem: _Optional[str] = ..., not_after_ms: _Optional[int] = ...) -> None: ...

class Asset(_message.Message):
    __slots__ = ("asset_number", "department", "location", "responsible_person")
    ASSET_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    RESPONSIBLE_PERSON_FIELD_NUMBER: _ClassVar[int]
    asset_number: str
    department: str
    location: str
    responsible_person: str
    def __init__(self, asset_number: _Optional[str] = ..., department: _Optional[str] = ..., location: _Optional[str] = ..., responsible_person: _Optional[str] = ...) -> None: ...

class AgentHello(_message.Message):
    __slots__ = ("agent_id", "hostname", "agent_version", "os", "boot_time_unix_ms", "ip_addresses", "platform", "asset")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    OS_FIELD_NUMBER: _ClassVar[int]
    BOOT_TIME_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    ASSET_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    hostname: str
    agent_version: str
    os: str
    boot_time_unix_ms: int
    ip_addresses: _containers.RepeatedScalarFieldContainer[str]
    platform: str
    asset: Asset
    def __init__(self, agent_id: _Optional[str] = ..., hostname: _Optional[str] = ..., agent_version: _Optional[str] = ..., os: _Optional[str] = ..., boot_time_unix_ms: _Optional[int] = ..., ip_addresses: _Optional[_Iterable[str]] = ..., platform: _Optional[str] = ..., asset: _Optional[_Union[Asset, _Mapping]] = ...) -> None: ...

class HelloReply(_message.Message):
    __slots__ = ("server_time_unix_ms", "max_batch_samples")
    SERVER_TIME_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    server_time_unix_ms: int
    max_batch_samples: int
    def __init__(self, server_time_unix_ms: _Optional[int] = ..., max_batch_samples: _Optional[int] = ...) -> None: ...

class SampleBlock(_message.Message):
    __slots__ = ("series", "series_index", "timestamps_ms", "values")
    SERIES_FIELD_NUMBER: _ClassVar[int]
    SERIES_INDEX_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_MS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    series: _containers.RepeatedScalarFieldContainer[str]
    series_index: _containers.RepeatedScalarFieldContainer[int]
    timestamps_ms: _containers.RepeatedScalarFieldContainer[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, series: _Optional[_Iterable[str]] = ..., series_index: _Optional[_Iterable[int]] = ..., timestamps_ms: _Optional[_Iterable[int]] = ..., values: _Optional[_Iterable[float]] = ...) -> None: ...

class Label(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class MessagePart(_message.Message):
    __slots__ = ("key", "args")
    class ArgsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    KEY_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    key: str
    args: _containers.ScalarMap[str, str]
    def __init__(self, key: _Optional[str] = ..., args: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CheckResult(_message.Message):
    __slots__ = ("check", "target", "status", "message", "duration_seconds", "timestamp_ms", "labels", "message_parts")
    CHECK_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_PARTS_FIELD_NUMBER: _ClassVar[int]
    check: str
    target: str
    status: CheckStatus
    message: str
    duration_seconds: float
    timestamp_ms: int
    labels: _containers.RepeatedCompositeFieldContainer[Label]
    message_parts: _containers.RepeatedCompositeFieldContainer[MessagePart]
    def __init__(self, check: _Optional[str] = ..., target: _Optional[str] = ..., status: _Optional[_Union[CheckStatus, str]] = ..., message: _Optional[str] = ..., duration_seconds: _Optional[float] = ..., timestamp_ms: _Optional[int] = ..., labels: _Optional[_Iterable[_Union[Label, _Mapping]]] = ..., message_parts: _Optional[_Iterable[_Union[MessagePart, _Mapping]]] = ...) -> None: ...

class Disk(_message.Message):
    __slots__ = ("name", "model", "serial", "size_bytes")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    name: str
    model: str
    serial: str
    size_bytes: int
    def __init__(self, name: _Optional[str] = ..., model: _Optional[str] = ..., serial: _Optional[str] = ..., size_bytes: _Optional[int] = ...) -> None: ...

class NetworkInterface(_message.Message):
    __slots__ = ("name", "mac_address", "ip_addresses")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MAC_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    name: str
    mac_address: str
    ip_addresses: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., mac_address: _Optional[str] = ..., ip_addresses: _Optional[_Iterable[str]] = ...) -> None: ...

class InventorySnapshot(_message.Message):
    __slots__ = ("timestamp_ms", "cpu_model", "cpu_count_logical", "cpu_count_physical", "memory_total_bytes", "disks", "network_interfaces", "bios_vendor", "bios_version", "board_serial", "system_serial", "os")
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    CPU_MODEL_FIELD_NUMBER: _ClassVar[int]
    CPU_COUNT_LOGICAL_FIELD_NUMBER: _ClassVar[int]
    CPU_COUNT_PHYSICAL_FIELD_NUMBER: _ClassVar[int]
    MEMORY_TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    DISKS_FIELD_NUMBER: _ClassVar[int]
    NETWORK_INTERFACES_FIELD_NUMBER: _ClassVar[int]
    BIOS_VENDOR_FIELD_NUMBER: _ClassVar[int]
    BIOS_VERSION_FIELD_NUMBER: _ClassVar[int]
    BOARD_SERIAL_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_SERIAL_FIELD_NUMBER: _ClassVar[int]
    OS_FIELD_NUMBER: _ClassVar[int]
    timestamp_ms: int
    cpu_model: str
    cpu_count_logical: int
    cpu_count_physical: int
    memory_total_bytes: int
    disks: _containers.RepeatedCompositeFieldContainer[Disk]
    network_interfaces: _containers.RepeatedCompositeFieldContainer[NetworkInterface]
    bios_vendor: str
    bios_version: str
    board_serial: str
    system_serial: str
    os: str
    def __init__(self, timestamp_ms: _Optional[int] = ..., cpu_model: _Optional[str] = ..., cpu_count_logical: _Optional[int] = ..., cpu_count_physical: _Optional[int] = ..., memory_total_bytes: _Optional[int] = ..., disks: _Optional[_Iterable[_Union[Disk, _Mapping]]] = ..., network_interfaces: _Optional[_Iterable[_Union[NetworkInterface, _Mapping]]] = ..., bios_vendor: _Optional[str] = ..., bios_version: _Optional[str] = ..., board_serial: _Optional[str] = ..., system_serial: _Optional[str] = ..., os: _Optional[str] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("sequence", "created_unix_ms", "samples", "checks", "inventory")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    INVENTORY_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    created_unix_ms: int
    samples: SampleBlock
    checks: _containers.RepeatedCompositeFieldContainer[CheckResult]
    inventory: InventorySnapshot
    def __init__(self, sequence: _Optional[int] = ..., created_unix_ms: _Optional[int] = ..., samples: _Optional[_Union[SampleBlock, _Mapping]] = ..., checks: _Optional[_Iterable[_Union[CheckResult, _Mapping]]] = ..., inventory: _Optional[_Union[InventorySnapshot, _Mapping]] = ...) -> None: ...

class AssignedInputsRequest(_message.Message):
    __slots__ = ("known_version",)
    KNOWN_VERSION_FIELD_NUMBER: _ClassVar[int]
    known_version: str
    def __init__(self, known_version: _Optional[str] = ...) -> None: ...

class AssignedInputs(_message.Message):
    __slots__ = ("version", "unchanged", "inputs_yaml")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    INPUTS_YAML_FIELD_NUMBER: _ClassVar[int]
    version: str
    unchanged: bool
    inputs_yaml: str
    def __init__(self, version: _Optional[str] = ..., unchanged: _Optional[bool] = ..., inputs_yaml: _Optional[str] = ...) -> None: ...

class PushAck(_message.Message):
    __slots__ = ("sequence", "duplicate")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    duplicate: bool
    def __init__(self, sequence: _Optional[int] = ..., duplicate: _Optional[bool] = ...) -> None: ...
