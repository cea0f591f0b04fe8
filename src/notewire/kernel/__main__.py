"""`python -m notewire.kernel -f CONNECTION_FILE`"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import signal
import sys
from pathlib import Path

from notewire.protocol import InvalidConnectionInfo, read_connection_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m notewire.kernel", description="The notewire Python kernel."
    )
    parser.add_argument(
        "-f",
        "--connection-file",
        required=True,
        type=Path,
        help="Jupyter connection file: where to bind and the signing key",
    )
    parser.add_argument("--log-level", default="WARNING", help="logging level (default WARNING)")
    # Launchers append arguments meant for ipykernel: `jupyter run --kernel notewire
    # FILE` passes FILE on to the kernel's command line. ipykernel ignores what it does
    # not know, so a kernel that refused to start would break them; say what is ignored.
    args, ignored = parser.parse_known_args(argv)
    if ignored:
        print(f"notewire kernel: ignoring arguments {ignored}", file=sys.stderr)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.__stderr__,
        format="[notewire.kernel %(levelname)s] %(message)s",
    )
    # `kill -USR1 PID` writes every thread's stack to the kernel's stderr: what a kernel
    # that stopped answering is doing, without a debugger (the tests ask for it too).
    if hasattr(signal, "SIGUSR1"):
        try:
            faulthandler.register(signal.SIGUSR1, file=sys.__stderr__, all_threads=True)
        except (RuntimeError, ValueError, OSError):  # no stderr, or one without a file
            pass
    try:
        info = read_connection_file(args.connection_file)
    except (OSError, InvalidConnectionInfo) as exc:
        parser.error(f"cannot use connection file {args.connection_file}: {exc}")
    # Bind and start answering kernel_info first; IPython loads meanwhile (boot.py).
    from .boot import Boot

    boot = Boot(info)
    boot.start()
    from .app import KernelApp

    return KernelApp(boot, args.connection_file).run()


if __name__ == "__main__":
    sys.exit(main())
