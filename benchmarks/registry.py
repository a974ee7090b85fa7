"""Every benchmark, in running order. To add one, write a module with a ``BENCHMARK`` and list it here."""

from . import startup
from .harness import Benchmark

BENCHMARKS: tuple[Benchmark, ...] = (startup.BENCHMARK,)
