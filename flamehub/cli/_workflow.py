"""``flamehub analysis run``: a federated analysis from code to results (:mod:`flamehub.workflow`).

Example::

    flamehub analysis run --project cohort-study --code src/ --entrypoint main.py --to results/
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from .. import workflow
from ..models import Project, Registry
from . import EXIT_INTERRUPTED, EXIT_OK, CommandError, _emit, _progress, _settings

#: Characters the Hub keeps in an analysis name (hub-api §5.1.1); others become ``-``.
_NAME_UNSAFE = re.compile(r"[^a-z0-9\-_.]+")
#: Random hex digits that make a generated analysis name unique.
NAME_SUFFIX_BYTES = 3


def add_run_command(leaf: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add ``run`` to the ``analysis`` command (``leaf`` makes a subcommand parser)."""
    running = leaf("run", "upload code, lock, build, distribute, wait and download the results")
    running.add_argument("--project", required=True, help="the project's name or id")
    running.add_argument("--code", required=True, help="a file or directory of analysis code")
    running.add_argument("--entrypoint", help="the file the nodes run, relative to --code")
    running.add_argument("--to", help="a directory for the results (default: no download)")
    running.add_argument(
        "--name", help="the analysis' name; an analysis of that name in the project is resumed"
    )
    running.add_argument("--master-image", dest="master_image", help="a master image id")
    running.add_argument("--registry", help="the registry's name or id")
    running.add_argument(
        "--timeout", type=float, help="seconds each waiting step may take (default: no limit)"
    )
    running.add_argument(
        "--no-progress", dest="no_progress", action="store_true", help="no progress bars"
    )
    running.set_defaults(handler=run_command)


def _by_name_or_id(manager: Any, value: str) -> Any:
    try:
        return manager.get(id=uuid.UUID(value))
    except ValueError:
        return manager.get(name=value)


def _generated_name(code: str) -> str:
    stem = _NAME_UNSAFE.sub("-", Path(code).resolve().name.lower()).strip("-.") or "analysis"
    return f"{stem[:100]}-{secrets.token_hex(NAME_SUFFIX_BYTES)}"


def run_command(options: argparse.Namespace, out: TextIO) -> int:
    """Run the whole workflow; on Ctrl-C, say how to resume."""
    if not Path(options.code).exists():
        raise CommandError(f"no such file or directory: {options.code}")
    name = options.name or _generated_name(options.code)
    progress = not options.no_progress and _progress()
    with _settings(options).hub() as hub:
        project = _by_name_or_id(Project.objects.using(hub), options.project)
        registry = (
            _by_name_or_id(Registry.objects.using(hub), options.registry)
            if options.registry
            else None
        )
        try:
            analysis = workflow.run_analysis(
                project,
                options.code,
                entrypoint=options.entrypoint,
                master_image=options.master_image,
                registry=registry,
                name=name,
                timeout=options.timeout,
                progress=progress,
                using=hub,
            )
            written = (
                workflow.download_results(analysis, options.to, progress=progress, using=hub)
                if options.to
                else []
            )
        except KeyboardInterrupt:
            print(
                f"interrupted: analysis {name} stays as it is on the Hub; run the same command "
                f"with --name {name} to resume",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
    if getattr(options, "json", False):
        summary = {**analysis.model_dump(mode="json"), "results": [str(p) for p in written]}
        _emit(options, out, summary)
    else:
        out.write(
            f"analysis {analysis.name} ({analysis.id}): executed; "
            f"{len(written)} result file(s)" + (f" in {options.to}" if options.to else "") + "\n"
        )
    return EXIT_OK
