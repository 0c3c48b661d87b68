"""Places on animation frames: which places to label (the biggest in view whose names do not
collide), and which places changed class at each step (so that a frame can ring them and name
them beside the totals).

A place's membership of the shown class is carried from frame to frame through the steps'
exact gained and lost polygons (``PlaceTracker``, the rule of ``geotools.place_changes``): the
places a frame names are the ones ``geotools places`` lists for the same periods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer

from geotools.place_changes import PlaceTracker
from geotools.places import Places
from geotools.render.frames import View
from geotools.snapshot import Change, Snapshot

#: At most this many places are labelled on every frame.
MAX_LABELS = 24
#: Frames are kept free of labels where the fixed texts sit, as shares of the frame (x0, y0,
#: x1, y1 from the top left): the date and totals, the title, the legend, the source line.
RESERVED = (
    (0.0, 0.0, 0.62, 0.27),
    (0.55, 0.0, 1.0, 0.09),
    (0.8, 0.68, 1.0, 1.0),
    (0.0, 0.93, 0.6, 1.0),
)
#: Places this close (km) to a change of the animation are labelled before bigger ones.
NEAR_KM = 10.0
#: Label font size in points at 720 rows (scaled with the frame like the other texts).
LABEL_PT = 9.0


@dataclass(frozen=True)
class PlaceMark:
    """A place to ring on a frame: where (the view's CRS), its name and how it changed."""

    x: float
    y: float
    name: str
    kind: str  # "gained" or "lost"


@dataclass(frozen=True)
class PlaceEvent:
    """A place that entered (``gained``) or left (``lost``) the shown class in a step."""

    date: dt.date
    name: str
    kind: str


class FramePlaces:
    """The places of an animation: labels chosen once, changes found step by step."""

    def __init__(
        self,
        places: Places,
        view: View,
        classes: Sequence[str],
        shown: str,
        first: Snapshot,
        *,
        max_labels: int = MAX_LABELS,
        near: Sequence[shapely.Geometry] = (),
    ) -> None:
        to_view = Transformer.from_crs("EPSG:4326", view.crs, always_xy=True)
        x, y = to_view.transform(places.lon, places.lat)
        x0, y0, x1, y1 = view.bounds
        keep = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        self.places = places.take(keep)
        self.x, self.y = np.asarray(x)[keep], np.asarray(y)[keep]
        self.view = view
        self.classes = list(classes)
        self.column = self.classes.index(shown)
        self.tracker = PlaceTracker(self.places, self.places.projected(view.crs), self.classes)
        self.tracker.start(first)
        self._inside = self.tracker.within(self.column).copy()
        self.labelled = self._pick_labels(max_labels, near)

    def step(self, changes: Sequence[Change], date: dt.date) -> list[PlaceEvent]:
        """Apply one step's changes (every class); the places that entered or left the shown
        class, biggest first."""
        self.tracker.step(changes)
        now = self.tracker.within(self.column)
        entered, left = np.nonzero(now & ~self._inside)[0], np.nonzero(~now & self._inside)[0]
        self._inside = now.copy()
        pop = np.nan_to_num(self.places.population, nan=-1.0)
        events = [(i, "gained") for i in entered] + [(i, "lost") for i in left]
        events.sort(key=lambda e: (-pop[e[0]], str(self.places.names[e[0]])))
        self._last = {str(self.places.names[i]): int(i) for i, _ in events}
        return [PlaceEvent(date, str(self.places.names[i]), kind) for i, kind in events]

    def mark(self, event: PlaceEvent) -> PlaceMark:
        """Where to ring an event's place (an event of the last step)."""
        i = self._last[event.name]
        return PlaceMark(float(self.x[i]), float(self.y[i]), event.name, event.kind)

    def _pick_labels(self, limit: int, near: Sequence[shapely.Geometry]) -> list[int]:
        """The biggest places whose label boxes (estimated from the name's length) neither
        overlap one another nor the frame's fixed texts; places within ``NEAR_KM`` of a
        geometry of ``near`` (the animation's changes: where the front moves) first."""
        width, height = self.view.size
        px = LABEL_PT * max(height / 720, 0.7) * 100 / 72  # font size in pixels
        taken: list[tuple[float, float, float, float]] = [
            (a * width, b * height, c * width, d * height) for a, b, c, d in RESERVED
        ]
        pop = np.nan_to_num(self.places.population, nan=-1.0)
        close = np.zeros(len(pop), dtype=bool)
        parts = shapely.get_parts(np.asarray([g for g in near if not g.is_empty], dtype=object))
        if len(parts) and len(pop):
            points = shapely.points(self.x, self.y)
            hit = shapely.STRtree(parts).query(points, predicate="dwithin", distance=NEAR_KM * 1e3)
            close[hit[0]] = True
        chosen: list[int] = []
        for i in np.lexsort((-pop, ~close)):
            if len(chosen) >= limit:
                break
            row, col = self.view.pixel(float(self.x[i]), float(self.y[i]))
            box = (col - 3, row - px, col + 5 + 0.6 * px * len(str(self.places.names[i])), row + 4)
            if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
                continue
            if any(_overlap(box, other) for other in taken):
                continue
            taken.append(box)
            chosen.append(int(i))
        return chosen


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def events_text(events: Sequence[PlaceEvent], shown: str, most: int = 4) -> str:
    """One line per kind naming the places (``most`` of them, then "+N")."""
    lines = []
    for kind, label in (("gained", f"now {shown}"), ("lost", f"no longer {shown}")):
        names = [e.name for e in events if e.kind == kind]
        if names:
            more = f" +{len(names) - most}" if len(names) > most else ""
            lines.append(f"{label}: {', '.join(names[:most])}{more}")
    return "\n".join(lines)
