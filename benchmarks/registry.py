"""Every benchmark, in running order. To add one, write a module with a ``BENCHMARK`` and list it here."""

from . import inbox, intake, notices, pool, startup, statistik, sync, sync_load
from .harness import Benchmark

BENCHMARKS: tuple[Benchmark, ...] = (
    startup.BENCHMARK,
    inbox.SEARCH,
    inbox.VIEW_SWITCH,
    intake.BENCHMARK,
    notices.BENCHMARK,
    sync.SNAPSHOT,
    sync.CLIENTS_BENCHMARK,
    sync.STALL,
    sync_load.BENCHMARK,
    statistik.REFRESH,
    statistik.OPEN,
    statistik.IMPORT,
    pool.SEARCH,
    pool.MONTH,
)
