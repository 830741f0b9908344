"""`itops query` writes each value in its metric's unit and names the metric, in the chosen language."""

from zoneinfo import ZoneInfo

from itops.collector.cli.itops_command import render_series

SHANGHAI = ZoneInfo("Asia/Shanghai")
POINT_MS = 1_900_000_000_000  # 2030-03-17 17:46:40 UTC


def series(name: str, *values: float | None, **labels: str) -> dict:
    return {"name": name, "labels": labels, "points": [[POINT_MS + 60_000 * i, v] for i, v in enumerate(values)]}


def test_values_are_written_in_their_unit_with_the_metrics_name():
    text = render_series(series("itops_ups_battery_runtime_seconds", 4560.0, None, device="ups-1"), SHANGHAI, "en")
    assert text.splitlines() == ['itops_ups_battery_runtime_seconds{device="ups-1"}  Battery runtime',
                                 "  2030-03-18 01:46:40  1 h 16 min", "  2030-03-18 01:47:40  —"]


def test_in_chinese_and_without_float_noise():
    text = render_series(series("itops_host_load1", 0.5619999999999635), SHANGHAI, "zh-CN")
    assert text.splitlines() == ["itops_host_load1{}  1 分钟平均负载", "  2030-03-18 01:46:40  0.56"]


def test_a_state_set_point_reads_its_state():
    text = render_series(series("itops_ups_output_source", 1.0, source="battery"), SHANGHAI, "zh-CN")
    assert text.splitlines()[1].endswith("  电池")
