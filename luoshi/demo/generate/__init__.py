"""Generated data at scale: `luoshi generate` and the benchmarks (see generator.py)."""

from .generator import Generator
from .settle import settle

__all__ = ["Generator", "settle"]
