import asyncio
import concurrent.futures
import threading

from itops.agent.inputs.base import Input, InputConfig
from itops.agent.runner import InputRunner, redact


HUNG_AT_S = 1_830_297_600.0  # 2028-01-01 00:00 UTC, the inputs' clock, never the machine's


class StubConfig(InputConfig, tag="stub"):
    pass


class CountingInput(Input):
    name = "counting"

    def gather(self, acc):
        acc.add_sample("itops_test_value", 1.0)


class RaisingInput(Input):
    name = "raising"

    def gather(self, acc):
        raise ConnectionError("snmp://public:password=hunter2@10.0.0.1 timed out")


class HangingInput(Input):
    name = "hanging"

    def __init__(self, config, release: threading.Event, clock=lambda: HUNG_AT_S):
        super().__init__(config, clock)
        self.release = release

    def gather(self, acc):
        self.release.wait(10)


def _runner(input_, executor, delivered, timeout_s=0.2):
    return InputRunner(input_, input_.name, timeout_s, {"host": "h"}, executor, delivered.append)


def test_failing_input_is_reported_and_others_keep_running():
    delivered = []
    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        good = _runner(CountingInput(StubConfig()), executor, delivered)
        bad = _runner(RaisingInput(StubConfig()), executor, delivered)

        async def scenario():
            await asyncio.gather(good.run_once(), bad.run_once())

        asyncio.run(scenario())
    assert good.health.up and good.health.errors_total == 0
    assert not bad.health.up and bad.health.errors_total == 1
    assert "ConnectionError" in bad.health.last_error and "hunter2" not in bad.health.last_error
    assert [result.samples[0][0] for result in delivered] == ["itops_test_value"]


def test_hanging_input_times_out_is_skipped_while_stuck_and_recovers():
    release = threading.Event()
    delivered = []
    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        hanging = _runner(HangingInput(StubConfig(), release), executor, delivered)
        good = _runner(CountingInput(StubConfig()), executor, delivered)

        async def scenario():
            await asyncio.gather(hanging.run_once(), good.run_once())
            assert hanging.health.timeouts_total == 1 and not hanging.health.up
            assert hanging.health.hung_since == HUNG_AT_S
            await hanging.run_once()  # still stuck: not started again
            assert hanging.health.skipped_total == 1
            release.set()
            for _ in range(50):
                if not hanging.health.running:
                    break
                await asyncio.sleep(0.02)
            await hanging.run_once()

        asyncio.run(scenario())
    assert hanging.health.up and hanging.health.gathers_total == 2 and hanging.health.hung_since is None
    assert good.health.up and len(delivered) == 2


def test_redact_hides_secrets_in_messages():
    assert redact("auth failed: password=abc token: xyz community=public") == (
        "auth failed: password=<redacted> token: <redacted> community=<redacted>"
    )
