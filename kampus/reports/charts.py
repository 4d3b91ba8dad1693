"""Geometry for the inline-SVG charts: the capability radar and the trend line.

Pure arithmetic; the templates draw what these return. Every chart has a data
table beside it as its accessible alternative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass
class RadarAxis:
    label: str
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str


@dataclass
class Radar:
    size: int
    centre: float
    rings: list[str]  # polygon points of the 25/50/75/100 % rings
    axes: list[RadarAxis]
    series: list[tuple[str, str]]  # (css class, polygon points)
    dots: list[tuple[str, float, float, str]]  # (css class, x, y, title)


def _point(centre: float, radius: float, index: int, count: int, share: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return centre + radius * share * math.cos(angle), centre + radius * share * math.sin(angle)


def _points(pairs) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


def radar(labels: list[str], series: dict[str, list[float]], *, size: int = 460, radius: float = 150) -> Radar:
    """A radar of ``series`` (css class → values from 0 to 1, one per label)."""
    count = len(labels)
    centre = size / 2
    rings = [_points(_point(centre, radius, i, count, share) for i in range(count)) for share in (0.25, 0.5, 0.75, 1.0)]
    axes = []
    for i, label in enumerate(labels):
        x, y = _point(centre, radius, i, count, 1.0)
        lx, ly = _point(centre, radius + 18, i, count, 1.0)
        anchor = "middle" if abs(lx - centre) < 10 else ("start" if lx > centre else "end")
        axes.append(RadarAxis(label, x, y, lx, ly + 4, anchor))
    drawn: list[Any] = []
    dots: list[Any] = []
    for css, values in series.items():
        clamped = [min(1.0, max(0.0, v or 0.0)) for v in values]
        pts = [_point(centre, radius, i, count, v) for i, v in enumerate(clamped)]
        drawn.append((css, _points(pts)))
        dots.extend((css, x, y, f"{labels[i]}: {round(clamped[i] * 100)} %") for i, (x, y) in enumerate(pts))
    return Radar(size, centre, rings, axes, drawn, dots)


@dataclass
class Line:
    width: int
    height: int
    points: str
    dots: list[tuple[float, float, str, str]]  # x, y, x label, value label
    grid: list[tuple[float, str]]  # y, label


def line(values: list[tuple[str, float]], *, width: int = 460, height: int = 180, top: float = 100.0) -> Line:
    """A line over ``values`` ((x label, value in 0…top)), left to right."""
    left, right, upper, lower = 44, 16, 14, 30
    count = max(1, len(values) - 1)
    span_x, span_y = width - left - right, height - upper - lower
    top = top or 1.0
    dots = []
    for i, (label, value) in enumerate(values):
        x = left + span_x * i / count
        y = upper + span_y * (1 - min(value, top) / top)
        dots.append((x, y, label, f"{value:.0f} %"))
    grid = [(upper + span_y * (1 - share), f"{share * top:.0f} %") for share in (0, 0.5, 1)]
    return Line(width, height, _points((x, y) for x, y, _, _ in dots), dots, grid)
