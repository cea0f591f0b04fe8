"""The `notewire` command."""

from __future__ import annotations

import argparse
import os
import sys


def _kernel_install(args: argparse.Namespace) -> int:
    from notewire.kernel.install import install

    folder = install(user=args.user, sys_prefix=args.sys_prefix, prefix=args.prefix, name=args.name)
    print(f"Installed the notewire kernelspec in {folder}")
    return 0


def _kernel_run(args: argparse.Namespace) -> int:
    from notewire.kernel.__main__ import main as kernel_main

    return kernel_main(["-f", args.connection_file])


def _main_job(args: argparse.Namespace) -> int:
    from notewire.server.main import run_server

    return run_server(
        path=args.path,
        root=args.root,
        ip=args.ip,
        port=args.port,
        open_browser=not args.no_browser,
        kernel=args.kernel,
        pool_size=args.pool_size,
        password_hash=args.password_hash,
        block_remote_content=args.block_remote_content,
        gateway_url=args.gateway_url,
        gateway_token=args.gateway_token,
        base_url=args.base_url,
        allow_hosts=tuple(args.allow_host),
    )


def _singleuser(args: argparse.Namespace) -> int:
    from notewire.server.hub.singleuser import SingleUserOptions, run_singleuser

    return run_singleuser(
        SingleUserOptions(
            root=args.root,
            ip=args.ip,
            port=args.port,
            kernel=args.kernel,
            pool_size=args.pool_size,
            allow_hosts=tuple(args.allow_host),
            block_remote_content=args.block_remote_content,
            gateway_url=args.gateway_url,
            gateway_token=args.gateway_token,
        )
    )


def add_gateway_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gateway-url",
        help="run every kernel on this Jupyter Kernel Gateway or Enterprise Gateway "
        "(http(s)://host:port) instead of on this machine (default: NOTEWIRE_GATEWAY_URL "
        "or JUPYTER_GATEWAY_URL)",
    )
    parser.add_argument(
        "--gateway-token",
        help="the gateway's auth token; prefer NOTEWIRE_GATEWAY_AUTH_TOKEN or "
        "JUPYTER_GATEWAY_AUTH_TOKEN, which other users cannot read in the process list",
    )


def build_singleuser_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notewire singleuser",
        description="notewire as a JupyterHub single-user server: set "
        "c.Spawner.cmd = ['notewire', 'singleuser'] in the hub's configuration. The "
        "address, URL prefix and login come from the JUPYTERHUB_* environment the "
        "spawner sets; users log in through the hub.",
    )
    parser.add_argument("--root", help="the folder notebooks are served from (default: here)")
    parser.add_argument("--ip", help="address to listen on (default: JUPYTERHUB_SERVICE_URL's)")
    parser.add_argument("--port", type=int, help="port (default: JUPYTERHUB_SERVICE_URL's)")
    parser.add_argument("--kernel", default="notewire", help="default kernelspec (notewire)")
    parser.add_argument(
        "--pool-size", type=int, default=1, help="kernels kept started ahead (default 1)"
    )
    add_allow_host(parser, "; the host of JUPYTERHUB_PUBLIC_URL is allowed already")
    parser.add_argument(
        "--block-remote-content",
        action="store_true",
        help="load no image, audio, video or frame from other sites in notebooks",
    )
    add_gateway_options(parser)  # kernels near the data, for every user of the hub
    parser.set_defaults(func=_singleuser)
    return parser


def _password(args: argparse.Namespace) -> int:
    import getpass

    from notewire.server.web.auth import hash_password

    first = getpass.getpass("Password: ")
    if not first or first != getpass.getpass("Again: "):
        print("notewire: the passwords were empty or differed", file=sys.stderr)
        return 1
    print(hash_password(first))
    print("Start notewire with --password-hash set to the line above (or NOTEWIRE_PASSWORD_HASH).")
    return 0


def _export(args: argparse.Namespace) -> int:
    import contextlib
    from pathlib import Path

    from notewire.export import ExportError, export_file

    if args.output and len(args.paths) > 1:
        print("notewire export: --output takes one PATH", file=sys.stderr)
        return 2
    status = 0
    with contextlib.ExitStack() as stack:
        printer = None
        if args.to == "pdf" and len(args.paths) > 1:
            # One Chromium prints every notebook, instead of one started for each.
            from notewire.export.pdf import Printer

            try:
                printer = stack.enter_context(Printer(args.chromium))
                printer.prestart()
            except ExportError as e:
                print(f"notewire export: {e}", file=sys.stderr)
                return 1
        for path in args.paths:
            try:
                made = export_file(
                    Path(path),
                    args.to,
                    no_input=args.no_input,
                    run=args.execute,
                    out=Path(args.output) if args.output else None,
                    chromium=args.chromium,
                    timeout=args.timeout,
                    printer=printer,
                )
            except ExportError as e:
                print(f"notewire export: {path}: {e}", file=sys.stderr)
                status = 1
                continue
            print(f"{path} -> {made}")
    return status


def build_export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notewire export",
        description="Export notebooks. HTML is one self-contained file that works offline "
        "(math, styles, images, plots inlined); PDF is that HTML printed by a headless "
        "Chromium. Each PATH's export is written beside it.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="notebooks (.ipynb)")
    parser.add_argument(
        "--to", choices=["html", "pdf", "script", "markdown"], default="html", help="(html)"
    )
    parser.add_argument("--no-input", action="store_true", help="outputs only, no code")
    parser.add_argument(
        "--execute", action="store_true", help="run the notebook on its kernel first"
    )
    parser.add_argument("--output", "-o", help="the file to write (one PATH only)")
    parser.add_argument(
        "--chromium",
        help="the Chromium to print PDF with (default: chromium, chromium-browser or "
        "google-chrome on PATH)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        help="seconds a cell may run with --execute, and Chromium may take to print (600)",
    )
    parser.set_defaults(func=_export)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notewire",
        description="notewire: a web notebook for Python. Starts the notebook server on "
        "this machine and opens it in a browser.",
        epilog="Other commands: `notewire kernel install|run` (the notewire Jupyter kernel), "
        "`notewire password` (hash a password for --password-hash), "
        "`notewire export --to html|pdf|script|markdown PATH...`, "
        "`notewire singleuser` (under JupyterHub).",
    )
    parser.add_argument(
        "path", nargs="?", help="a notebook to open, or the folder to serve (default: here)"
    )
    parser.add_argument("--root", help="the folder notebooks are served from (default: PATH's)")
    parser.add_argument(
        "--ip",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; anything else "
        "lets other machines reach the server)",
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument(
        "--no-browser", action="store_true", help="do not open a browser, just print the URL"
    )
    parser.add_argument("--kernel", default="notewire", help="default kernelspec (notewire)")
    parser.add_argument(
        "--pool-size",
        type=int,
        default=1,
        help="kernels kept started ahead, per kernelspec in use (default 1; 0 turns it off)",
    )
    parser.add_argument(
        "--password-hash",
        default=os.environ.get("NOTEWIRE_PASSWORD_HASH"),
        help="allow logging in with a password (its hash, from `notewire password`)",
    )
    parser.add_argument(
        "--block-remote-content",
        action="store_true",
        help="load no image, audio, video or frame from other sites in notebooks (by "
        "default https: ones load, as in JupyterLab); for offline or locked-down use",
    )
    add_gateway_options(parser)
    add_proxy_options(parser)
    parser.set_defaults(func=_main_job)
    return parser


def add_proxy_options(parser: argparse.ArgumentParser) -> None:
    """Serving behind a proxy: `notewire` and `notewire singleuser` take these."""
    parser.add_argument(
        "--base-url",
        default="/",
        help="serve every page, API and socket under this URL prefix, as a proxy "
        "forwards it (e.g. /user/alice/; default /)",
    )
    add_allow_host(parser)


def add_allow_host(parser: argparse.ArgumentParser, more: str = "") -> None:
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a public host name a proxy forwards (repeatable); other Host headers "
        f"stay refused (the DNS-rebinding defence){more}",
    )


def build_kernel_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="notewire kernel", description="the notewire kernel")
    ksub = parser.add_subparsers(dest="kernel_command", required=True)
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


def _refuse_slow_optional_imports() -> None:
    """jsonschema, which nbformat imports, imports `rfc3987_syntax` when it is installed
    (jupyter_server's dependencies bring it), and that module builds a Lark parser as it
    is imported: 1.1 s of every server start and every export here. It serves only
    jsonschema's optional "iri" format checks, which nbformat's validation does not use.
    Never in a kernel: user code there may import it."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["kernel"]:
        _refuse_slow_optional_imports()
    # Subcommands are words a notebook path is unlikely to be; a file by that name
    # can still be opened as ./kernel.
    if argv[:1] == ["kernel"]:
        args = build_kernel_parser().parse_args(argv[1:])
    elif argv[:1] == ["singleuser"]:
        args = build_singleuser_parser().parse_args(argv[1:])
    elif argv[:1] == ["export"]:
        args = build_export_parser().parse_args(argv[1:])
    elif argv[:1] == ["password"]:
        args = argparse.Namespace(func=_password)
    else:
        args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
