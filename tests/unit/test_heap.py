"""A started service puts what lives as long as the process out of the collector's reach."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.unit.referrals.referrals_support import running_service


def test_a_started_service_has_frozen_the_long_lived_heap(tmp_path):
    # In a process of its own: the test process may have frozen its heap already.
    script = textwrap.dedent(f"""
        import asyncio, gc, pathlib
        from tests.unit.referrals.referrals_support import running_service

        async def main():
            assert gc.get_freeze_count() == 0
            async with running_service(pathlib.Path({str(tmp_path)!r})):
                frozen = gc.get_freeze_count()
                # A full collection no longer walks the frozen objects.
                assert frozen > 50_000, frozen
                assert len(gc.get_objects()) < frozen
            print("frozen", frozen)

        asyncio.run(main())
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "frozen" in done.stdout


async def test_a_second_service_in_the_same_process_does_not_collect_again(tmp_path, monkeypatch):
    async with running_service(tmp_path / "a"):
        pass
    collections = []
    monkeypatch.setattr("vru_shared.heap.gc.collect", lambda *a: collections.append(a) or 0)
    async with running_service(tmp_path / "b"):
        pass
    assert collections == []
