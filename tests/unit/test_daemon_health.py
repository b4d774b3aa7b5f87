"""When the daemon tells systemd's watchdog it is healthy."""
import asyncio
import time

from cockpit.config import parse_config
from cockpit.service.daemon import Daemon


def test_health_needs_a_live_listening_loop_that_is_not_crashing_over_and_over():
    async def go():
        d = Daemon(parse_config({}))
        assert not d._healthy()  # not listening yet
        d._listening = asyncio.get_running_loop().create_future()
        assert d._healthy()
        d._crashes.extend([time.monotonic() - 100, time.monotonic() - 2])  # one old, one recent: still fine
        assert d._healthy()
        d._crashes.extend([time.monotonic() - 1, time.monotonic()])  # three within 30 s: let systemd restart us
        assert not d._healthy()
        d._crashes.clear()
        d._listening.set_result(None)  # the loop ended
        assert not d._healthy()
    asyncio.run(go())
