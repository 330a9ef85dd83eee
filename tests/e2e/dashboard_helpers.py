"""Helpers shared by the dashboard browser tests: the tick box of an order's row on the list
page, and writing the README's screenshots."""

import os
import shutil
from pathlib import Path

from django.conf import settings

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
# The PNGs in docs/ are rewritten only when missing or on request, so that `make test`
# does not leave a changed working tree behind (times and ids differ on every run).
UPDATE_SCREENSHOTS = os.environ.get("FWADMIN_UPDATE_SCREENSHOTS") == "1"


def row_box(page, order):
    return page.get_by_label(f"Select order {order.fulfillment_id}", exact=True)


def save_screenshots(shots: dict[str, tuple[bytes, dict]], tmp_path) -> None:
    """Check each (PNG, viewport) taken, and write it to docs/ when missing or asked for."""
    for name, (png, viewport) in shots.items():
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert (width, height) == (viewport["width"], viewport["height"]), name
        assert 10_000 < len(png) < 600_000, f"{name} is {len(png)} bytes"
        (tmp_path / name).write_bytes(png)
        target = SCREENSHOTS / name
        if UPDATE_SCREENSHOTS or not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tmp_path / name, target)
