"""The `notewire` command."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notewire.server.kernels import KernelSpec

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


async def _serve_kernel(name: str) -> None:
    from notewire.server.kernels import KernelManager, ManagerConfig, NoSuchKernelSpec

    async with KernelManager(ManagerConfig(default_kernel=name, pool_size=0)) as manager:
        try:
            spec = manager.kernel_spec(name)
        except NoSuchKernelSpec:
            if name != "notewire":
                raise
            spec = _builtin_spec()  # our own kernel runs without `notewire kernel install`
        handle = await manager.start_kernel(spec)
        print(f"notewire: kernel {name!r} is running (pid {handle.pid}).", flush=True)
        print(f"Connect a Jupyter client with: jupyter console --existing {handle.connection_file}")
        print("Press Ctrl-C to stop it.", flush=True)
        await handle.wait_exit()
        print(f"notewire: the kernel {handle.death.describe() if handle.death else 'stopped'}")


def _builtin_spec() -> KernelSpec:
    from pathlib import Path

    from notewire.kernel.install import kernelspec
    from notewire.server.kernels import KernelSpec

    d = kernelspec()
    return KernelSpec(
        name="notewire",
        argv=list(d["argv"]),  # type: ignore[call-overload]
        display_name=str(d["display_name"]),
        language="python",
        resource_dir=Path(__file__).parent,
    )


def _main_job(args: argparse.Namespace) -> int:
    # Until the notebook server lands, the main job runs a kernel for Jupyter clients.
    import asyncio

    try:
        asyncio.run(_serve_kernel(args.kernel))
    except KeyboardInterrupt:
        print("\nnotewire: stopped; the kernel was shut down.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notewire", description="notewire: a web notebook for Python."
    )
    parser.add_argument("--kernel", default="notewire", help="kernelspec to run (default notewire)")
    parser.set_defaults(func=_main_job)
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
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
