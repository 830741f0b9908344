"""Talking SNMP to one device with pysnmp's asyncio API: GET, GETNEXT probes and subtree walks.

Values come back as ``Walk`` values (int, bytes, dotted str); a missing OID is simply absent. Every
failure is an ``SnmpError`` whose message names the device's address, never its credentials.
"""

from __future__ import annotations

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData, ContextData, ObjectIdentity, ObjectType, SnmpEngine, UdpTransportTarget, Udp6TransportTarget,
    UsmUserData, bulk_cmd, get_cmd, next_cmd,
)
from pysnmp.hlapi.v3arch.asyncio import auth
from pysnmp.proto import errind, rfc1902, rfc1905
from pyasn1.type import univ

from itops.agent.inputs.snmp.config import SnmpDeviceConfig
from itops.agent.inputs.snmp.walk import Oid, SnmpValue

__all__ = ["SnmpError", "SnmpSession", "GET_CHUNK_OIDS", "MAX_WALK_VALUES"]

GET_CHUNK_OIDS = 20  # OIDs per GET: small enough for the response to fit the smallest agents' buffers
MAX_WALK_VALUES = 20_000  # a subtree larger than this is a broken agent looping, not a table
NO_SUCH_NAME = 2  # SNMPv1 error status for a missing OID (and for the end of the MIB in GETNEXT)

_AUTH_PROTOCOLS = {
    "MD5": auth.USM_AUTH_HMAC96_MD5, "SHA": auth.USM_AUTH_HMAC96_SHA, "SHA224": auth.USM_AUTH_HMAC128_SHA224,
    "SHA256": auth.USM_AUTH_HMAC192_SHA256, "SHA384": auth.USM_AUTH_HMAC256_SHA384, "SHA512": auth.USM_AUTH_HMAC384_SHA512,
}
_PRIV_PROTOCOLS = {
    "DES": auth.USM_PRIV_CBC56_DES, "3DES": auth.USM_PRIV_CBC168_3DES, "AES": auth.USM_PRIV_CFB128_AES,
    "AES192": auth.USM_PRIV_CFB192_AES, "AES256": auth.USM_PRIV_CFB256_AES,
}
_ABSENT = (rfc1905.NoSuchObject, rfc1905.NoSuchInstance, rfc1905.EndOfMibView, univ.Null)


class SnmpError(Exception):
    """The device did not answer, or answered with an error."""


class SnmpTimeout(SnmpError):
    """No answer within the timeout, after every retry."""


def credentials(device: SnmpDeviceConfig) -> CommunityData | UsmUserData:
    if device.version != "3":
        return CommunityData(device.community, mpModel=0 if device.version == "1" else 1)
    return UsmUserData(
        device.user,
        authKey=device.auth_key, privKey=device.priv_key,
        authProtocol=_AUTH_PROTOCOLS[device.auth_protocol] if device.auth_key else auth.USM_AUTH_NONE,
        privProtocol=_PRIV_PROTOCOLS[device.priv_protocol] if device.priv_key else auth.USM_PRIV_NONE,
    )


def plain_value(value) -> SnmpValue | None:
    """pysnmp's value as a ``Walk`` value; None for NULL and the "no such ..." exceptions."""
    if isinstance(value, _ABSENT):
        return None
    if isinstance(value, rfc1902.IpAddress):
        return ".".join(str(octet) for octet in value.asNumbers())
    if isinstance(value, univ.OctetString):  # also Opaque and BITS
        return value.asOctets()
    if isinstance(value, univ.ObjectIdentifier):
        return ".".join(str(part) for part in value)
    return int(value)


class SnmpSession:
    """Requests to one device through the input's shared ``SnmpEngine``."""

    def __init__(self, engine: SnmpEngine, device: SnmpDeviceConfig, max_repetitions: int):
        self.engine = engine
        self.device = device
        self.max_repetitions = max_repetitions
        self.bulk = device.version != "1"
        self._credentials = credentials(device)
        self._context = ContextData(contextName=device.context)
        self._target: UdpTransportTarget | Udp6TransportTarget | None = None
        self._subtree_sizes: dict[Oid, int] = {}  # values each subtree had at the last walk

    async def _transport(self) -> UdpTransportTarget | Udp6TransportTarget:
        if self._target is None:
            host, port = self.device.host_and_port()
            target_class = Udp6TransportTarget if ":" in host else UdpTransportTarget
            try:
                self._target = await target_class.create((host, port), timeout=self.device.timeout, retries=self.device.retries)
            except Exception as exc:  # pysnmp wraps resolver errors in its own PySnmpError
                raise SnmpError(f"cannot resolve {host}: {exc}") from None
        return self._target

    async def _request(self, command, *args, oids: list[Oid]) -> tuple[int, int, list[tuple[Oid, object]]]:
        """One request; (error status, error index, varbinds as (oid, pysnmp value))."""
        varbinds = [ObjectType(ObjectIdentity(oid)) for oid in oids]
        error, status, index, answer = await command(self.engine, self._credentials, await self._transport(), self._context,
                                                     *args, *varbinds, lookupMib=False)
        if error is not None:
            failure = SnmpTimeout if isinstance(error, errind.RequestTimedOut) else SnmpError
            raise failure(f"{self.device.address}: {error}")
        return int(status), int(index), [(tuple(name), value) for name, value in answer]

    async def get(self, oids: list[Oid]) -> dict[Oid, SnmpValue]:
        values: dict[Oid, SnmpValue] = {}
        for start in range(0, len(oids), GET_CHUNK_OIDS):
            values.update(await self._get_chunk(list(oids[start:start + GET_CHUNK_OIDS])))
        return values

    async def _get_chunk(self, oids: list[Oid]) -> dict[Oid, SnmpValue]:
        while oids:
            status, index, answer = await self._request(get_cmd, oids=oids)
            if status == NO_SUCH_NAME and 0 < index <= len(oids):
                del oids[index - 1]  # SNMPv1 fails the whole GET for one missing OID: ask again without it
                continue
            if status:
                raise SnmpError(f"{self.device.address}: GET failed with error status {status}")
            return {oid: value for oid, raw in answer if (value := plain_value(raw)) is not None}
        return {}

    async def answered_under(self, bases: list[Oid]) -> set[Oid]:
        """The ``bases`` under which the device has anything: one GETNEXT per chunk of them, each varbind asking
        for what follows its base (v1 fails the whole request at the first base past the end of the MIB: that
        one is dropped and the rest asked again)."""
        found: set[Oid] = set()
        for start in range(0, len(bases), GET_CHUNK_OIDS):
            found |= await self._answered_chunk(list(bases[start:start + GET_CHUNK_OIDS]))
        return found

    async def _answered_chunk(self, bases: list[Oid]) -> set[Oid]:
        while bases:
            status, index, answer = await self._request(next_cmd, oids=bases)
            if status == NO_SUCH_NAME and 0 < index <= len(bases):
                del bases[index - 1]
                continue
            if status:
                return set()
            return {base for base, (oid, raw) in zip(bases, answer)
                    if oid[:len(base)] == base and plain_value(raw) is not None}
        return set()

    async def walk(self, base: Oid) -> dict[Oid, SnmpValue]:
        """Every value under ``base``: GETBULK pages (GETNEXT in v1) until the answers leave the subtree.

        The first page asks for one row more than the subtree had last time: decoding the rows past its end
        that a full page would bring is most of the poller's CPU."""
        values: dict[Oid, SnmpValue] = {}
        current = base
        page_rows = min(self.max_repetitions, self._subtree_sizes.get(base, self.max_repetitions) + 1)
        while len(values) < MAX_WALK_VALUES:
            if self.bulk:
                status, _index, answer = await self._request(bulk_cmd, 0, page_rows, oids=[current])
                page_rows = self.max_repetitions
            else:
                status, _index, answer = await self._request(next_cmd, oids=[current])
            if status == NO_SUCH_NAME and not self.bulk:
                break  # v1's way of saying "end of the MIB"
            if status:
                raise SnmpError(f"{self.device.address}: walk of {'.'.join(map(str, base))} failed with error status {status}")
            next_oid = _collect(answer, base, current, values)
            if next_oid is None:
                break
            current = next_oid
        self._subtree_sizes[base] = len(values)
        return values


def _collect(answer: list[tuple[Oid, object]], base: Oid, current: Oid, values: dict[Oid, SnmpValue]) -> Oid | None:
    """Add the answers that lie in ``base``'s subtree; the OID to continue from, or None when done."""
    last = current
    for oid, raw in answer:
        if oid[:len(base)] != base or oid <= last or isinstance(raw, rfc1905.EndOfMibView):
            return None  # left the subtree, reached the end, or an agent answering out of order
        value = plain_value(raw)
        if value is not None:
            values[oid] = value
        last = oid
    return last if answer else None
