"""``python -m shareframe_frame --config FILE [--virtual]``"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from shareframe_frame.app import FrameApp
from shareframe_frame.config import ConfigError, load_config
from shareframe_frame.dashboard import LogBuffer
from shareframe_frame.log_format import configure_logging

SHUTDOWN_GRACE_SECONDS = 4.0
log = logging.getLogger("shareframe_frame")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shareframe_frame", description=__doc__)
    parser.add_argument("--config", required=True, type=Path, help="TOML configuration file")
    parser.add_argument("--virtual", action="store_true", help="draw to state_dir/screen.png")
    args = parser.parse_args(argv)
    buffer = LogBuffer()
    try:
        config = load_config(args.config, force_virtual=args.virtual)
    except ConfigError as exc:
        configure_logging("INFO")
        log.error("bad configuration", extra={"error": str(exc)})
        return 2
    configure_logging(config.log_level, buffer)
    app = FrameApp(config, log_buffer=buffer)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        app.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info(
        "frame starting",
        extra={
            "panel": config.panel.panel_id,
            "display": config.display,
            "stateDir": str(config.state_dir),
            "firmware": config.firmware_version,
        },
    )
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(app.run()), name="frame", daemon=True)
    worker.start()
    while worker.is_alive() and not app.stop.is_set():
        worker.join(0.5)
    # Stop requested (or the app ended): give it a bounded time to say goodbye.
    worker.join(SHUTDOWN_GRACE_SECONDS)
    if worker.is_alive():
        log.warning("shutdown took too long; exiting anyway")
    logging.shutdown()
    return result[0] if result else 0


if __name__ == "__main__":
    sys.exit(main())
