"""Decode every JPEG of a dataset and do nothing else: the floor under ``preflight data --deep`` (benchmark helper).

``python bench/decode_floor.py FOLDER SCALE [JOBS]`` reads each ``*.jpg`` under FOLDER and
decodes it with ``cv2.imdecode`` at 1/SCALE in grey (libjpeg's scaled IDCT; the entropy decode
reads the whole stream at every scale), in JOBS worker processes (default: the core count, as
preflight's ``--jobs``), each with one OpenCV thread, forked before OpenCV is imported: the way
preflight's scan runs. No hashing, no labels, no checks, no output. Prints one JSON line: the
images decoded and the seconds inside the pool.

``--deep`` decodes every picture whole, so it cannot beat the 1/8 figure on the same machine,
nor the 1/2 figure where D125's crop hashes need 1/2 (an object of 16-63 px in the picture:
preflight.formats.crops.decode_scale).
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

FLAGS = {1: "IMREAD_GRAYSCALE", 2: "IMREAD_REDUCED_GRAYSCALE_2", 4: "IMREAD_REDUCED_GRAYSCALE_4",
         8: "IMREAD_REDUCED_GRAYSCALE_8"}


def decode(paths: list[str], scale: int) -> int:
    import cv2
    import numpy as np

    flag = getattr(cv2, FLAGS[scale]) | cv2.IMREAD_IGNORE_ORIENTATION
    done = 0
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        if data and cv2.imdecode(np.frombuffer(data, np.uint8), flag) is not None:
            done += 1
    return done


def _quiet() -> None:
    """A worker's stderr to /dev/null: libjpeg warns there about the planted truncated files."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)


def main() -> int:
    folder, scale = Path(sys.argv[1]), int(sys.argv[2])
    jobs = int(sys.argv[3]) if len(sys.argv) > 3 else os.cpu_count() or 1
    os.environ["OPENCV_FOR_THREADS_NUM"] = "1"  # read by OpenCV when a worker imports it
    paths = sorted(str(p) for p in folder.rglob("*.jpg"))
    chunks = [paths[i:i + 64] for i in range(0, len(paths), 64)]
    t = time.perf_counter()
    with ProcessPoolExecutor(jobs, initializer=_quiet) as pool:
        done = sum(pool.map(decode, chunks, [scale] * len(chunks)))
    print(json.dumps({"images": len(paths), "decoded": done, "scale": scale, "jobs": jobs,
                      "seconds": round(time.perf_counter() - t, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
