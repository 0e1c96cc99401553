"""Schedulers: strategies that shape a trial while it trains (population-based training)."""

from tuneforge.schedulers.pbt import PBT, ScheduleReplay, Segment, segment
from tuneforge.schedulers.schedule import schedules

__all__ = ["PBT", "ScheduleReplay", "Segment", "schedules", "segment"]
