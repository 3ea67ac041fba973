"""Run Ultralytics' own label verification the way Ultralytics drives it (benchmark helper).

Builds ``ultralytics.data.dataset.YOLODataset`` over one split, which calls
``verify_image_label`` for every image in Ultralytics' thread pool and writes its
``labels/<split>.cache``; then prints one JSON line: timings and what it reported.
Run on a throwaway copy of the dataset: Ultralytics writes into it.
"""

from __future__ import annotations

import json
import sys
import time

t0 = time.perf_counter()
import numpy as np  # noqa: E402
from ultralytics.data.dataset import YOLODataset  # noqa: E402
from ultralytics.utils import NUM_THREADS  # noqa: E402

t_import = time.perf_counter() - t0
root, names = sys.argv[1], json.loads(sys.argv[2])
out = {"import_s": t_import, "threads": NUM_THREADS, "splits": {}}
for split in ("train", "val"):
    t1 = time.perf_counter()
    ds = YOLODataset(img_path=f"{root}/images/{split}", data={"names": dict(enumerate(names)), "channels": 3},
                     task="detect", augment=False, cache=False)
    scan_s = time.perf_counter() - t1
    cache = np.load(f"{root}/labels/{split}.cache", allow_pickle=True).item()
    nf, nm, ne, nc, n = cache["results"]
    out["splits"][split] = {"seconds": scan_s, "found": nf, "missing": nm, "empty": ne, "corrupt": nc,
                            "images": n, "msgs": cache["msgs"], "kept": len(ds.labels)}
print(json.dumps(out))
