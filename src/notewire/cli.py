"""The `notewire` command."""

from __future__ import annotations

import argparse
import sys


def _kernel_install(args: argparse.Namespace) -> int:
    from notewire.kernel.install import install

    folder = install(user=args.user, sys_prefix=args.sys_prefix, prefix=args.prefix, name=args.name)
    print(f"Installed the notewire kernelspec in {folder}")
    return 0


def _kernel_run(args: argparse.Namespace) -> int:
    from notewire.kernel.__main__ import main as kernel_main

    return kernel_main(["-f", args.connection_file])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notewire", description="notewire: a web notebook for Python."
    )
    sub = parser.add_subparsers(dest="command")
    kernel = sub.add_parser("kernel", help="the notewire Python kernel")
    ksub = kernel.add_subparsers(dest="kernel_command", required=True)
    inst = ksub.add_parser("install", help="install the kernelspec so Jupyter tools find it")
    where = inst.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="into the user's Jupyter data folder")
    where.add_argument(
        "--sys-prefix", action="store_true", help="into sys.prefix (the active environment)"
    )
    where.add_argument("--prefix", metavar="P", help="into P/share/jupyter/kernels")
    inst.add_argument("--name", default="notewire", help="kernelspec name (default notewire)")
    inst.set_defaults(func=_kernel_install)
    run = ksub.add_parser("run", help="run a kernel on a connection file")
    run.add_argument("-f", dest="connection_file", required=True)
    run.set_defaults(func=_kernel_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
