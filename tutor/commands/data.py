"""``tutor data``: which datasets are on disk and what offline would use;
``tutor data fetch NAME``: download one through torchvision, with a progress bar."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tutor.errors import TutorError


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "data",
        parents=parents,
        help="list datasets, or download one",
        description="Without an action: a table of the datasets, whether their files and "
        "tensor cache are in TUTOR_DATA_DIR, their size, and what would be used "
        "offline (TUTOR_OFFLINE=1). `tutor data fetch NAME` downloads a real set "
        "through torchvision and caches it as tensors.",
    )
    p.set_defaults(run=run, data_action="list")
    actions = p.add_subparsers(dest="data_action", metavar="ACTION")
    ls = actions.add_parser("list", parents=parents, help="the table (the default)")
    ls.set_defaults(run=run)
    fetch = actions.add_parser(
        "fetch",
        parents=parents,
        help="download a dataset",
        description="Download NAME's files with torchvision into TUTOR_DATA_DIR (into a "
        "temporary folder first, so an interrupted download leaves nothing "
        "half-written), then cache them as tensors.",
    )
    fetch.add_argument("name", metavar="NAME", help="fashion-mnist, mnist, cifar10 or cifar2")
    fetch.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tutor.config import data_dir
    from tutor.engine.data import check_data_dir

    # A TUTOR_DATA_DIR that is a file (or unreadable) is said first, for listing and
    # fetching alike: every dataset in the table would otherwise look merely missing.
    check_data_dir(data_dir())
    if getattr(args, "data_action", "list") == "fetch":
        return _fetch(args.name)
    return _list()


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


def _classes(classes: tuple[str, ...]) -> str:
    if not classes:
        return "— (regression)"
    if len(classes) <= 2:
        return ", ".join(classes)
    return f"{len(classes)}: {classes[0]}, {classes[1]}, …"


def _list() -> int:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from tutor.commands.output import console as make_console
    from tutor.config import data_dir, offline
    from tutor.engine.datasets.status import all_status

    root = data_dir()
    rows = all_status(root)
    table = Table(
        title=f"Datasets in {root}",
        caption="TUTOR_OFFLINE=1 is set: nothing will be downloaded."
        if offline()
        else "A missing real set is downloaded on first use, or by `tutor data fetch NAME`.",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("name", min_width=13)
    table.add_column("shape", no_wrap=True)
    table.add_column("classes", max_width=16)
    table.add_column("on disk", min_width=8)
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("offline", min_width=8)
    where: list[str] = []
    for st in rows:
        info = st.info
        name = Text(info.name, style="bold")
        name.append(f"\n{info.title}", style="dim")
        shape = "×".join(str(s) for s in info.sample_shape)
        if info.origin == "torchvision":
            if st.files_present:
                disk = "files, cache" if st.cache_file else "files"
            elif st.cache_file:
                disk = "cache"
            else:
                disk = f"not here ({info.download_mb:.0f} MB to fetch)"
        elif info.origin == "bundled":
            disk = (
                ("shipped, cache" if st.cache_file else "shipped")
                if st.files_present
                else ("cache" if st.cache_file else "missing: reinstall tutor")
            )
        elif info.origin == "generated":
            disk = "generated, cache" if st.cache_file else "generated"
        else:
            disk = "built in"
        size = _human(st.bytes_on_disk) if st.bytes_on_disk else "—"
        uses = (
            "itself"
            if st.ready_offline
            else (f"→ {st.offline_uses}" if st.offline_uses else "nothing")
        )
        table.add_row(name, shape, _classes(info.classes), disk, size, uses)
        # cifar2 reads cifar10's files: list the folder once.
        if info.name == info.base and st.files_present and st.files_folder is not None:
            where.append(f"{info.name}: {st.files_folder}")
        if st.cache_file is not None:
            where.append(f"{info.name} cache: {st.cache_file}")
    console = make_console()
    console.print(table)
    for line in where:
        console.print(line, highlight=False, soft_wrap=True)
    return 0


def _fetch(name: str) -> int:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from tutor.commands.output import console as make_console
    from tutor.config import data_dir, offline
    from tutor.engine.datasets.paths import raw_files_present
    from tutor.engine.datasets.registry import dataset_info

    info = dataset_info(name)
    console = make_console()
    if not info.downloadable:
        if info.origin == "bundled":
            from tutor.engine.data import build_cache

            path = build_cache(info.name)
            console.print(
                f"{info.name} ships with tutor: nothing to download."
                + (f" Cached as tensors in {path}." if path else ""),
                highlight=False,
            )
        else:
            console.print(
                f"{info.name} is {'generated' if info.origin == 'generated' else 'built in'}"
                ": nothing to download.",
                highlight=False,
            )
        return 0

    root = data_dir()
    base = dataset_info(info.base)
    already, _ = raw_files_present(base, root)
    if not already and offline():
        raise TutorError(
            f"TUTOR_OFFLINE=1 is set, so `tutor data fetch` will not use the network. "
            f"Unset TUTOR_OFFLINE and run `tutor data fetch {info.name}` while online, "
            f"or copy {base.title}'s files into {root / (base.folder or '')}."
        )

    from tutor.engine.data import build_cache, fetch_dataset

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=make_console(stderr=True),
        transient=False,
    )
    tasks: dict[str, Any] = {}
    current: list[Any] = []

    def on_file(filename: str) -> None:
        # torchvision retries other mirrors under the same name: one bar per file.
        if filename not in tasks:
            tasks[filename] = progress.add_task(filename, total=None)
        current[:] = [tasks[filename]]

    def on_bytes(done: int, total: int) -> None:
        if current:
            progress.update(current[0], completed=done, total=total or None)

    with progress:
        folder = fetch_dataset(info.name, root, progress=on_bytes, on_file=on_file)
    cache = build_cache(info.name, root)
    verb = "is already" if already else "downloaded:"
    console.print(f"{base.title} {verb} in {folder}", highlight=False, soft_wrap=True)
    if cache is not None:
        console.print(
            f"tensors cached in {cache} ({_human(Path(cache).stat().st_size)})",
            highlight=False,
            soft_wrap=True,
        )
    return 0
