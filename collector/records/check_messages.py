"""Check messages in the reader's language: the catalogue of every key an agent (or the collector's own
``hardware_inventory`` check) says, in zh-CN and en, and the rendering of a check's message parts.

A check result carries its message twice: free English text (always) and, from agents that know
``CheckResult.message_parts``, one part per finding — a key of this catalogue and its arguments as text. A
part is rendered from its language's template; a message whose parts are missing (an older agent), or that
has a key or an argument this collector does not know (a newer agent), is shown as the agent's free text.
Templates are ``str.format`` templates; an argument may carry a Python number format (``{days:.1f}``: the
text is read as a number) or one of the named formats below (``{drift_s:offset}``).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping

from itops.common.units import LANGUAGES, Language, format_duration, format_percent

__all__ = ["CATALOGUE", "MESSAGE_SEPARATORS", "NAMED_FORMATS", "render_check_message", "rendered_messages"]

MESSAGE_SEPARATORS: dict[Language, str] = {"zh-CN": "；", "en": "; "}


def _offset(drift_s: float, zh: bool) -> str:
    """``快 10 分`` / ``10 min fast``, ``慢 45 秒`` / ``45 s slow``, written by the one unit formatter."""
    if drift_s == 0:
        return "时间准确" if zh else "in time"
    amount = format_duration(abs(drift_s), "zh-CN" if zh else "en")
    if zh:
        return f"{'快' if drift_s > 0 else '慢'} {amount}"
    return f"{amount} {'fast' if drift_s > 0 else 'slow'}"


_CLOCK_STORES = {"records": ("考勤记录", "attendance record"), "users": ("用户", "user"),
                 "fingerprints": ("指纹", "fingerprint"), "faces": ("人脸", "face")}
_PRINTER_CONDITIONS = {
    "lowPaper": ("纸张不足", "low paper"), "noPaper": ("缺纸", "no paper"), "lowToner": ("墨粉不足", "low toner"),
    "noToner": ("无墨粉", "no toner"), "doorOpen": ("机盖打开", "door open"), "jammed": ("卡纸", "paper jam"),
    "offline": ("脱机", "offline"), "serviceRequested": ("需要维修", "service requested"),
    "inputTrayMissing": ("进纸盒缺失", "input tray missing"), "outputTrayMissing": ("出纸盒缺失", "output tray missing"),
    "markerSupplyMissing": ("耗材缺失", "marker supply missing"), "outputNearFull": ("出纸盒将满", "output nearly full"),
    "outputFull": ("出纸盒已满", "output full"), "inputTrayEmpty": ("进纸盒空", "input tray empty"),
    "overduePreventMaint": ("预防性维护已过期", "preventive maintenance overdue"),
}
_UPS_SOURCES = {"normal": ("市电供电", "on mains power"), "booster": ("市电供电，升压补偿低电压", "on mains power, boosting low voltage"),
                "reducer": ("市电供电，降压抑制高电压", "on mains power, trimming high voltage")}
_SUPPLY_STATES = {"ok": ("正常", "ok"), "low": ("偏低", "low"), "empty": ("已用尽", "empty"),
                  "nearly_full": ("将满", "nearly full"), "full": ("已满", "full")}


_HARDWARE_FIELDS = {"cpu_model": ("CPU 型号", "CPU model"), "cpu_count_logical": ("逻辑 CPU 数", "logical CPU count"),
                    "cpu_count_physical": ("物理 CPU 数", "physical CPU count"), "bios_vendor": ("BIOS 厂商", "BIOS vendor"),
                    "bios_version": ("BIOS 版本", "BIOS version"), "board_serial": ("主板序列号", "board serial number"),
                    "system_serial": ("整机序列号", "system serial number")}


def _pair(words: dict[str, tuple[str, str]], value: str, index: int, otherwise: str) -> str:
    return words[value][index] if value in words else otherwise.format(value)


def _runtime(value: str, zh: bool) -> str:
    if not value:
        return "剩余续航未知" if zh else "runtime unknown"
    runtime = format_duration(float(value), "zh-CN" if zh else "en")
    return f"可续航 {runtime}" if zh else f"{runtime} of runtime left"


def _charge(value: str, zh: bool) -> str:
    if not value:
        return "电池电量未知" if zh else "battery charge unknown"
    return f"电池电量 {format_percent(float(value))}" if zh else f"battery {format_percent(float(value))} charged"


# Named formats of an argument: name → (zh-CN, en), each turning the argument's text into words.
NAMED_FORMATS: dict[str, tuple[Callable[[str], str], Callable[[str], str]]] = {
    "offset": (lambda v: _offset(float(v), True), lambda v: _offset(float(v), False)),
    "clock_store": (lambda v: _pair(_CLOCK_STORES, v, 0, "{}"), lambda v: _pair(_CLOCK_STORES, v, 1, "{}")),
    "printer_conditions": (lambda v: "、".join(_pair(_PRINTER_CONDITIONS, c, 0, "{}") for c in v.split(",")),
                           lambda v: ", ".join(_pair(_PRINTER_CONDITIONS, c, 1, "{}") for c in v.split(","))),
    "ups_source": (lambda v: _pair(_UPS_SOURCES, v, 0, "供电来源 {}"), lambda v: _pair(_UPS_SOURCES, v, 1, "source {}")),
    "ups_runtime": (lambda v: _runtime(v, True), lambda v: _runtime(v, False)),
    "ups_charge": (lambda v: _charge(v, True), lambda v: _charge(v, False)),
    "supply_state": (lambda v: _pair(_SUPPLY_STATES, v, 0, "{}"), lambda v: _pair(_SUPPLY_STATES, v, 1, "{}")),
    "hardware_field": (lambda v: _pair(_HARDWARE_FIELDS, v, 0, "{}"), lambda v: _pair(_HARDWARE_FIELDS, v, 1, "{}")),
    "percent": (lambda v: format_percent(float(v)), lambda v: format_percent(float(v))),
    "seconds": (lambda v: format_duration(float(v), "zh-CN"), lambda v: format_duration(float(v), "en")),
    "hours": (lambda v: format_duration(float(v) * 3600, "zh-CN"), lambda v: format_duration(float(v) * 3600, "en")),
    "days": (lambda v: format_duration(float(v) * 86400, "zh-CN"), lambda v: format_duration(float(v) * 86400, "en")),
    "or_none": (lambda v: v or "无匹配", lambda v: v or "none matched"),
    "or_unreported": (lambda v: v or "未报告", lambda v: v or "not reported"),
}

# key → (zh-CN, en). The agent declares each key with its English text (itops.agent.checks.CHECK_MESSAGES);
# tests/unit/collector/records/test_check_messages.py fails when a key is missing here or here and nowhere else.
CATALOGUE: dict[str, tuple[str, str]] = {
    # attendance_clock
    "attendance_clock.offline": ("离线：无法连接 {where}", "offline: cannot reach {where}"),
    "attendance_clock.not_zk": ("端口 {port} 有应答，但不是考勤机协议；考勤机软件可能已卡死",
                                "answers on port {port} but not as an attendance clock; its software may have hung"),
    "attendance_clock.protocol_error": ("{error}", "{error}"),
    "attendance_clock.comm_key_refused": ("在线，但拒绝了通信密码 {comm_key}：请在配置中填写考勤机的通信密码（Comm Key）",
                                          "online, but refused comm key {comm_key}: set the clock's Comm Key in the config"),
    "attendance_clock.no_answer": ("{timeout_s:seconds}内无应答", "no answer within {timeout_s:seconds}"),
    "attendance_clock.refused": ("连接被拒绝，端口未开放", "connection refused, the port is closed"),
    "attendance_clock.socket_error": ("{error}", "{error}"),
    "attendance_clock.port_no_answer": ("TCP 端口 {port}：{timeout_s:seconds}内无应答", "TCP port {port}: no answer within {timeout_s:seconds}"),
    "attendance_clock.port_refused": ("TCP 端口 {port}：连接被拒绝，端口未开放",
                                      "TCP port {port}: connection refused, the port is closed"),
    "attendance_clock.port_error": ("TCP 端口 {port}：{error}", "TCP port {port}: {error}"),
    "attendance_clock.online": ("在线", "online"),
    "attendance_clock.drift_corrected": ("时钟{drift_s:offset}，已校准为采集端时间", "clock was {drift_s:offset}, set it to the agent's time"),
    "attendance_clock.drift_over_limit": ("时钟{drift_s:offset}（误差超过 {limit_s:seconds}）",
                                          "clock is {drift_s:offset} (more than {limit_s:seconds} off)"),
    "attendance_clock.drift": ("时钟{drift_s:offset}", "clock {drift_s:offset}"),
    "attendance_clock.storage": ("{store:clock_store}存储已用 {percent} %（{count}/{capacity}）",
                                 "{store:clock_store} storage {percent} % full ({count} of {capacity})"),
    "attendance_clock.storage_full": ("{store:clock_store}存储已用 {percent} %（{count}/{capacity}），新记录将被拒绝或覆盖旧记录",
                                      "{store:clock_store} storage {percent} % full ({count} of {capacity}), "
                                      "new entries are refused or overwrite old ones"),
    # file_freshness
    "file_freshness.no_file": ("没有与 {pattern} 匹配的文件", "no file matches {pattern}"),
    "file_freshness.too_old": ("{target} 最新文件超过 {max_age_h:hours}未更新：{file} 修改于 {age_h:hours}前",
                               "last {target} older than {max_age_h:hours}: {file} modified {age_h:hours} ago"),
    "file_freshness.too_small": ("{target} 最新文件小于 {min_size_text}：{file} 只有 {size_text}",
                                 "last {target} smaller than {min_size_text}: {file} is {size_text}"),
    "file_freshness.fresh": ("{target} 最新文件 {file} 修改于 {age_h:hours}前，{size_text}",
                             "last {target} {file} modified {age_h:hours} ago, {size_text}"),
    # tcp_connect, and connecting in general (http, ping)
    "tcp_connect.accepted": ("连接成功", "connection accepted"),
    "connect.unresolved": ("无法解析主机名：{error}", "cannot resolve the host name: {error}"),
    "connect.refused": ("连接被拒绝：端口上没有服务在监听", "connection refused: nothing listens on the port"),
    "connect.timed_out": ("超时：{timeout_s:seconds}内无应答", "timed out: no answer within {timeout_s:seconds}"),
    "connect.failed": ("无法连接：{error}", "cannot connect: {error}"),
    # certificates (http, tls_certificate_file)
    "certificate.expired": ("证书已过期 {days_ago:days}", "certificate expired {days_ago:days} ago"),
    "certificate.expires": ("证书 {days:days}后过期", "certificate expires in {days:days}"),
    "certificate.expires_critical": ("证书 {days:days}后过期（低于 {limit_days:days}为严重）",
                                     "certificate expires in {days:days} (critical below {limit_days:days})"),
    "certificate.expires_warning": ("证书 {days:days}后过期（低于 {limit_days:days}为警告）",
                                    "certificate expires in {days:days} (warning below {limit_days:days})"),
    # http
    "http.tls_not_trusted": ("TLS 证书不受信任：{reason}", "TLS certificate not trusted: {reason}"),
    "http.tls_handshake_failed": ("TLS 握手失败：{reason}", "TLS handshake failed: {reason}"),
    "http.not_http": ("不是有效的 HTTP 应答：{error}", "not a valid HTTP answer: {error}"),
    "http.unexpected_status": ("状态码 {status_code}，应为 {expected}", "status {status_code}, expected {expected}"),
    "http.status": ("状态码 {status_code}", "status {status_code}"),
    "http.body_contains": ("响应内容包含“{wanted}”", "body contains {wanted!r}"),
    "http.body_lacks": ("响应内容不包含“{wanted}”", "body does not contain {wanted!r}"),
    "http.body_matches": ("响应内容匹配 /{pattern}/", "body matches /{pattern}/"),
    "http.body_mismatch": ("响应内容不匹配 /{pattern}/", "body does not match /{pattern}/"),
    "http.certificate_unreadable": ("无法读取服务器证书的到期时间：{error}", "cannot read the server certificate's expiry: {error}"),
    # ping
    "ping.not_allowed": (
        "采集端所在用户组（gid {gid}）不允许使用非特权 ICMP 套接字（net.ipv4.ping_group_range 为“{current}”）：请把该内核参数设为"
        "包含此组的范围，例如 `sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"`，并在 /etc/sysctl.d/ 中写入同一行",
        "unprivileged ICMP sockets are not allowed for the agent's group (gid {gid}; net.ipv4.ping_group_range is "
        "\"{current}\"): set the sysctl to a range that includes it, e.g. `sysctl -w net.ipv4.ping_group_range=\"0 "
        "2147483647\"` and the same line in /etc/sysctl.d/"),
    "ping.send_failed": ("无法发送回显请求：{error}", "cannot send echo requests: {error}"),
    "ping.no_reply": ("{count} 个回显请求均未在 {timeout_s:seconds}内得到应答", "no reply to {count} echo requests within {timeout_s:seconds} each"),
    "ping.replies": ("收到 {replies}/{count} 个应答，平均往返 {average_ms:.3f} 毫秒",
                     "{replies} of {count} replies, average round trip {average_ms:.3f} ms"),
    "ping.loss_high": ("丢包率 {loss_ratio:percent}，超过允许的 {max_loss_ratio:percent}",
                       "loss {loss_ratio:percent} above the tolerated {max_loss_ratio:percent}"),
    # process
    "process.not_running": ("未运行：没有匹配的进程", "not running: no matching process"),
    "process.too_few": ("运行 {count} 个，应至少 {min_count} 个", "{count} running, expected at least {min_count}"),
    "process.too_many": ("运行 {count} 个，应至多 {max_count} 个", "{count} running, expected at most {max_count}"),
    "process.running": ("运行 {count} 个", "{count} running"),
    # SNMP
    "snmp_poll.no_answer": ("{address} 在 {timeout_s:seconds}内无应答（共尝试 {tries} 次）",
                            "no answer from {address} within {timeout_s:seconds} × {tries} tries"),
    "snmp_poll.error": ("{error}", "{error}"),
    "snmp_poll.profile_failed": ("设备模板 {profile} 读取失败：{error_type}: {error}", "profile {profile} failed: {error_type}: {error}"),
    "snmp_poll.answered": ("有应答，{values} 个值，由设备模板 {profiles} 读取", "answered, {values} values, read by {profiles}"),
    "snmp_poll.answered_generic": ("有应答，{values} 个值，按配置只用通用模板 generic",
                                   "answered, {values} values, profile generic (as configured)"),
    "snmp_poll.not_monitored": ("有应答，{values} 个值，但没有设备模板读到它的传感器（尝试的模板：{tried:or_none}；sysObjectID "
                                "{sys_object_id:or_unreported}）：只监控了运行时间和设备标识",
                                "answered, {values} values, but no profile read its sensors (profiles: {tried:or_none}; "
                                "sysObjectID {sys_object_id:or_unreported}): only uptime and identity are watched"),
    "ups_status.on_battery": ("正在使用电池供电，{runtime_s:ups_runtime}", "running on battery, {runtime_s:ups_runtime}"),
    "ups_status.output_off": ("输出已关闭：负载断电", "output is off: the load has no power"),
    "ups_status.bypass": ("旁路供电：负载不受电池保护", "on bypass: the load is not protected by the battery"),
    "ups_status.battery_depleted": ("电池电量耗尽", "battery depleted"),
    "ups_status.battery_fault": ("电池故障", "battery fault"),
    "ups_status.replace_battery": ("电池需要更换", "battery needs replacing"),
    "ups_status.source_unknown": ("UPS 未报告输出电源来源", "the UPS did not report where its output power comes from"),
    "ups_status.ok": ("输出{source:ups_source}，{charge_ratio:ups_charge}，{runtime_s:ups_runtime}",
                      "output {source:ups_source}, {charge_ratio:ups_charge}, {runtime_s:ups_runtime}"),
    "printer_status.unreported": ("打印机既未报告 hrDeviceStatus，也未报告 hrPrinterDetectedErrorState",
                                  "the printer reports neither hrDeviceStatus nor hrPrinterDetectedErrorState"),
    "printer_status.conditions": ("{conditions:printer_conditions}", "{conditions:printer_conditions}"),
    "printer_status.device_state": ("打印机状态 {state}", "printer status {state}"),
    "printer_status.device_state_unreported": ("打印机状态 {state}（未报告故障状态）", "printer status {state} (error conditions not reported)"),
    "printer_status.no_problems": ("未报告问题", "no problems reported"),
    "printer_status.no_problems_unreported": ("未报告问题（未报告故障状态）", "no problems reported (error conditions not reported)"),
    "printer_supply.some_left": ("{description}：尚有余量，具体数量未测量", "{description}: some left, amount not measured"),
    "printer_supply.some_space_left": ("{description}：尚有空间，具体数量未测量", "{description}: some space left, amount not measured"),
    "printer_supply.level_unknown": ("{description}：余量未知", "{description}: level unknown"),
    "printer_supply.filled": ("{description}：{state:supply_state}，已满 {fill_ratio:percent}",
                              "{description}: {state:supply_state}, {fill_ratio:percent} full"),
    "printer_supply.left": ("{description}：{state:supply_state}，剩余 {left_ratio:percent}",
                            "{description}: {state:supply_state}, {left_ratio:percent} left"),
    "network_interfaces.down": ("{enabled} 个已启用接口中 {down} 个断开：{names}", "{down} of {enabled} enabled interfaces are down: {names}"),
    "network_interfaces.up": ("{enabled} 个已启用接口全部在线", "all {enabled} enabled interfaces are up"),
    # systemd_unit
    "systemd_unit.not_booted": ("本机未运行 systemd（{marker} 不存在），无法读取服务状态",
                                "systemd is not running on this host ({marker} does not exist), so unit states cannot be read"),
    "systemd_unit.no_systemctl": ("找不到 {systemctl}", "{systemctl} not found"),
    "systemd_unit.systemctl_slow": ("systemctl show 在 {timeout_s:seconds}内无应答", "systemctl show did not answer within {timeout_s:seconds}"),
    "systemd_unit.systemctl_failed": ("systemctl show 失败（退出码 {exit_code}）：{stderr}",
                                      "systemctl show failed (exit {exit_code}): {stderr}"),
    "systemd_unit.units_miscounted": ("systemctl show 描述了 {described} 个服务，请求的是 {asked} 个",
                                      "systemctl show described {described} units, {asked} were asked for"),
    "systemd_unit.not_found": ("找不到该服务", "unit not found"),
    "systemd_unit.not_loaded": ("服务未加载：LoadState={load_state}", "unit not loaded: LoadState={load_state}"),
    "systemd_unit.state": ("{active_state}（{sub_state}）", "{active_state} ({sub_state})"),
    "systemd_unit.state_with_result": ("{active_state}（{sub_state}），结果 {result}", "{active_state} ({sub_state}), result {result}"),
    # files (tls_certificate_file)
    "file.not_permitted": ("采集端无权读取该文件：{error}", "the agent may not read the file: {error}"),
    "file.unreadable": ("无法读取该文件：{error}", "cannot read the file: {error}"),
    "tls_certificate_file.not_a_certificate": ("不是可读取的证书：{error}", "not a readable certificate: {error}"),
    "tls_certificate_file.valid_until": ("有效期至 {expires_utc} UTC", "valid until {expires_utc} UTC"),
    # the collector's own check of each host's hardware inventory (itops.collector.records.inventory)
    "hardware_inventory.first": ("本机首次盘点", "first inventory of this host"),
    "hardware_inventory.unchanged": ("与上次盘点相比硬件无变化", "no hardware change since the previous inventory"),
    "hardware_inventory.memory_changed": ("内存由 {before} 变为 {after}", "memory changed from {before} to {after}"),
    "hardware_inventory.field_changed": ("{field:hardware_field}由 {before} 变为 {after}",
                                         "{field:hardware_field} changed from {before} to {after}"),
    "hardware_inventory.disk_removed": ("硬盘 {disk}（{details}）已移除", "disk {disk} ({details}) removed"),
    "hardware_inventory.disk_added": ("新增硬盘 {disk}（{details}）", "disk {disk} ({details}) added"),
    "hardware_inventory.disk_resized": ("硬盘 {disk} 容量由 {before} 变为 {after}", "disk {disk} size changed from {before} to {after}"),
    "hardware_inventory.nic_removed": ("网卡 {nic}（{mac}）已移除", "network interface {nic} ({mac}) removed"),
    "hardware_inventory.nic_added": ("新增网卡 {nic}（{mac}）", "network interface {nic} ({mac}) added"),
    # central configuration
    "central_config.rejected": ("配置版本 {version} 被拒绝，仍在运行版本 {running}：{error}",
                                "version {version} rejected, still running version {running}: {error}"),
    "central_config.applied": ("配置版本 {version} 已生效：{count} 个采集项（{names}）", "version {version} applied: {count} inputs ({names})"),
}


class _CatalogueFormatter(string.Formatter):
    """Arguments arrive as text: a number format reads them as numbers, a named format as words."""

    def __init__(self, language: Language):
        self._index = LANGUAGES.index(language)

    def format_field(self, value: str, format_spec: str) -> str:
        named = NAMED_FORMATS.get(format_spec)
        if named is not None:
            return named[self._index](value)
        return super().format_field(float(value) if format_spec else value, format_spec)


_FORMATTERS = {language: _CatalogueFormatter(language) for language in LANGUAGES}


def render_check_message(parts: Iterable[Mapping], fallback: str, language: Language) -> str:
    """``parts``: ``{"key": …, "args": {…}}`` each; the agent's ``fallback`` text when any part cannot be said."""
    rendered = []
    for part in parts:
        templates = CATALOGUE.get(part["key"])
        if templates is None:
            return fallback
        try:
            rendered.append(_FORMATTERS[language].format(templates[LANGUAGES.index(language)], **part["args"]))
        except (KeyError, ValueError, IndexError):  # an argument missing or not a number: a newer agent's message
            return fallback
    return MESSAGE_SEPARATORS[language].join(rendered) if rendered else fallback


def rendered_messages(parts: Iterable[Mapping], fallback: str) -> dict[Language, str]:
    """The message in every language, for an API answer."""
    parts = list(parts)
    return {language: render_check_message(parts, fallback, language) for language in LANGUAGES}
