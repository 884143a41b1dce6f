"""Write ``canvas_widgets/data/weather.csv``: a year of daily readings at four made-up stations.

The data are synthetic, made by this script (seeded, so it always writes the same file): a
seasonal temperature curve for each station's climate, day-to-day persistence, and rain from a
two-state (wet/dry) Markov chain. They are realistic in shape, not measurements of any place.

    python notebooks/make_weather_csv.py
"""

from __future__ import annotations

import csv
import datetime
import math
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "canvas_widgets" / "data" / "weather.csv"

# station: (mean temperature, seasonal swing, daily range, P(wet after dry), P(wet after wet),
#           mean rain on a wet day in mm)
STATIONS = {
    "harbour": (11.5, 6.0, 6.5, 0.30, 0.65, 5.5),
    "upland": (7.0, 8.0, 9.0, 0.35, 0.70, 7.0),
    "valley": (12.5, 9.5, 11.0, 0.20, 0.55, 4.5),
    "steppe": (9.0, 14.0, 13.0, 0.12, 0.45, 3.5),
}


def readings(station: str, rng: random.Random):
    mean, swing, spread, p_wet_dry, p_wet_wet, rain = STATIONS[station]
    day = datetime.date(2023, 1, 1)
    anomaly, wet = 0.0, False
    while day.year == 2023:
        # coldest around 20 January, warmest around 20 July
        season = -math.cos(2 * math.pi * (day.timetuple().tm_yday - 20) / 365)
        anomaly = 0.7 * anomaly + rng.gauss(0, 1.6)
        wet = rng.random() < (p_wet_wet if wet else p_wet_dry)
        middle = mean + swing * season + anomaly - (1.0 if wet else 0.0)
        half_range = spread / 2 * (0.6 if wet else 1.0) * rng.uniform(0.8, 1.2)
        precip = round(rng.expovariate(1 / rain), 1) if wet else 0.0
        yield {
            "date": day.isoformat(),
            "station": station,
            "tmin_c": round(middle - half_range, 1),
            "tmax_c": round(middle + half_range, 1),
            "precip_mm": precip,
        }
        day += datetime.timedelta(days=1)


def main() -> None:
    rng = random.Random(20230101)
    with open(OUT, "w", newline="") as f:
        writer = csv.DictWriter(f, ["date", "station", "tmin_c", "tmax_c", "precip_mm"])
        writer.writeheader()
        for station in STATIONS:
            writer.writerows(readings(station, rng))
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
