"""The `vru full` supervisor on real processes, with stand-ins for the components: it restarts a child
that dies, gives up (stopping the rest, exit 1) on one that keeps dying, and stops the gateway first."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tests.support.processes import poll

pytestmark = pytest.mark.faults

# A supervisor whose components are small Python programs (given by name in STAND_INS), with
# back-offs short enough for a test.
SUPERVISOR = textwrap.dedent("""
    import json, os, sys
    from vru_shared import logs
    import vru_deploy.supervisor as supervisor

    supervisor.RESTART_LIMIT, supervisor.RESTART_WINDOW_S = 3, 30
    supervisor.FIRST_BACKOFF_S, supervisor.MAX_BACKOFF_S = 0.05, 0.2
    stand_ins = json.loads(os.environ["STAND_INS"])
    supervisor._command = lambda name, host, port: [sys.executable, "-c", stand_ins[name], name]
    logs.configure("INFO", component="supervisor")
    sys.exit(supervisor.run_full(host="127.0.0.1", port=1))
""")

# Runs until SIGTERM, then writes its name to the journal.
SERVES = textwrap.dedent("""
    import signal, sys, time
    def stop(*_):
        with open({journal!r}, "a") as journal:
            journal.write(sys.argv[1] + "\\n")
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    while True:
        time.sleep(0.05)
""")
DIES = "import sys; sys.exit(3)"
# Dies the first time, serves once restarted.
DIES_ONCE = textwrap.dedent("""
    import os, sys
    if not os.path.exists({flag!r}):
        open({flag!r}, "w").close()
        sys.exit(3)
""")

COMPONENTS = ("referrals", "interventions", "outcomes", "identity", "gateway")


def start(stand_ins: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", SUPERVISOR], env={**os.environ, "STAND_INS": json.dumps(stand_ins)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_a_component_that_keeps_dying_is_restarted_a_bounded_number_of_times_then_everything_stops(tmp_path):
    journal = tmp_path / "stopped"
    serves = SERVES.format(journal=str(journal))
    supervisor = start({name: DIES if name == "outcomes" else serves for name in COMPONENTS})
    try:
        _, stderr = supervisor.communicate(timeout=60)
    finally:
        supervisor.kill()
    logged = events(stderr)

    assert supervisor.returncode == 1
    assert [e["restart"] for e in logged if e["event"] == "component restarted"] == [1, 2, 3]
    assert {e["component"] for e in logged if e["event"] == "component restarted"} == {"outcomes"}
    assert [e["component"] for e in logged if e["event"] == "component keeps dying; stopping the rest"] == ["outcomes"]
    # Every other component was told to stop, the gateway first.
    stopped = journal.read_text().split()
    assert stopped[0] == "gateway" and sorted(stopped) == sorted(set(COMPONENTS) - {"outcomes"})


def test_a_component_that_dies_once_is_restarted_and_sigterm_then_stops_all_cleanly(tmp_path):
    journal, flag = tmp_path / "stopped", tmp_path / "died-once"
    serves = SERVES.format(journal=str(journal))
    stand_ins = {name: serves for name in COMPONENTS}
    stand_ins["interventions"] = DIES_ONCE.format(flag=str(flag)) + serves
    supervisor = start(stand_ins)
    try:
        poll(flag.exists, bool, timeout=30)
        time.sleep(1.5)  # the back-off, the restart, and a while serving
        assert supervisor.poll() is None, "the supervisor gave up after a single death"
        supervisor.send_signal(signal.SIGTERM)
        _, stderr = supervisor.communicate(timeout=30)
    finally:
        supervisor.kill()
    logged = events(stderr)

    assert supervisor.returncode == 0
    restarted = [e for e in logged if e["event"] == "component restarted"]
    assert [(e["component"], e["restart"]) for e in restarted] == [("interventions", 1)]
    stopped = journal.read_text().split()
    assert stopped[0] == "gateway" and sorted(stopped) == sorted(COMPONENTS)

