"""Find and parse all reports of one hls4ml / Vivado HLS / Vitis HLS project.

Accepted directories: an hls4ml output directory (``hls4ml_config.yml``, ``<project>_prj/``, ``vivado_synth.rpt``),
an HLS project directory (holding ``hls.app`` / ``vivado_hls.app``), a solution directory (holding ``syn/report``),
or a flat folder of report files. Files are picked by the top function's name, never by a blind glob, because
sub-module reports (``<module>_csynth.xml``) sit next to the top one. An hls4ml project that has not been built
yet (``build_prj.tcl`` but no HLS project directory) raises :class:`~hgq_hls4ml.errors.NotBuiltError`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import NotBuiltError, ReportFormatError
from ._parsing import PathLike, load_xml
from .cosim import parse_cosim_rpt, parse_csim_log
from .csynth import parse_csynth_rpt, parse_csynth_xml
from .model import ProjectReport
from .utilization import parse_utilization_rpt

APP_FILES = ('hls.app', 'vivado_hls.app')
HLS4ML_CONFIG = 'hls4ml_config.yml'
#: The script hls4ml writes into every project it converts (before any build).
BUILD_SCRIPT = 'build_prj.tcl'
#: Vitis HLS's aggregate C-synthesis report of the top (2022.1+; a copy of ``<top>_csynth.xml`` before).
AGGREGATE_CSYNTH = 'csynth.xml'
_CSYNTH_SUFFIX = '_csynth.xml'
#: What co-simulation names its report when the top name was empty (seen in a real Vivado HLS 2019.2 project).
_EMPTY_TOP_COSIM = '_cosim.rpt'
_TOP_OPTION = '--top NAME (in Python: top=NAME)'


def _app_file(directory: Path) -> Path | None:
    return next((directory / name for name in APP_FILES if (directory / name).is_file()), None)


def _config_project_name(root: Path) -> str | None:
    """``ProjectName`` from hls4ml's ``hls4ml_config.yml`` (a top-level ``key: value`` line; no YAML parser needed)."""
    config = root / HLS4ML_CONFIG
    if not config.is_file():
        return None
    match = re.search(r'^ProjectName:\s*[\'"]?([\w.-]+)', config.read_text(errors='replace'), re.MULTILINE)
    return match.group(1) if match else None


def _hls_project(root: Path) -> Path | None:
    """The HLS project directory: ``root`` if it holds an ``.app``, else ``<ProjectName>_prj`` of the hls4ml config,
    else the only ``*_prj`` holding an ``.app``."""
    if _app_file(root):
        return root
    name = _config_project_name(root)
    if name:
        return root / f'{name}_prj' if (root / f'{name}_prj').is_dir() else None
    with_app = [candidate for candidate in sorted(root.glob('*_prj')) if _app_file(candidate)]
    return with_app[0] if len(with_app) == 1 else None


def _app_info(app: Path) -> tuple[str | None, str | None]:
    """(top, solution) from an ``.app`` project file; the active solution wins, else the first listed."""
    root = load_xml(app)
    solutions = [elem for elem in root.iter() if elem.tag.rpartition('}')[2] == 'solution']
    active = [elem for elem in solutions if elem.get('status') == 'active'] or solutions
    return root.get('top'), active[0].get('name') if active else None


def _only_solution(project: Path) -> list[Path]:
    """Without an ``.app``: the project's only sub-folder holding ``syn``/``sim``/``csim`` reports, if exactly one."""
    holders = [
        folder
        for folder in sorted(project.iterdir())
        if any((folder / step / 'report').is_dir() for step in ('syn', 'sim', 'csim'))
    ]
    return holders if len(holders) == 1 else []


def _listed(dirs: Iterable[Path]) -> str:
    """The existing directories among ``dirs``, for a message."""
    return ', '.join(sorted({str(d) for d in dirs if d.is_dir()}))


def _check_built(root: Path) -> None:
    """Raise :class:`NotBuiltError` for an hls4ml project that has no HLS project directory yet."""
    if (root / BUILD_SCRIPT).is_file() and _hls_project(root) is None:
        raise NotBuiltError(
            f'{root}: the project has not been built yet, so it has no reports; '
            f'build it first: hgq-hls4ml build {shlex.quote(str(root))}'
        )


def _search_dirs(root: Path) -> tuple[dict[str, list[Path]], str | None]:
    """Directories to look in per report kind (most specific first), and the top named by ``.app`` or config."""
    project = _hls_project(root)
    app = _app_file(project) if project else None
    top, solution = _app_info(app) if app else (None, None)
    if (root / 'syn' / 'report').is_dir():
        solutions = [root]
    elif project:
        solutions = [project / solution] if solution else _only_solution(project)
    else:
        solutions = []
    dirs = {
        'syn': [*(d / 'syn' / 'report' for d in solutions), root],
        'sim': [*(d / 'sim' / 'report' for d in solutions), root],
        'csim': [*(d / 'csim' / 'report' for d in solutions), root],
        'impl': [root, *(d / 'impl' / hdl / 'report' for d in solutions for hdl in ('verilog', 'vhdl'))],
    }
    return dirs, top or _config_project_name(root)


def _aggregate_csynth(syn_dirs: list[Path]) -> Path | None:
    return next((d / AGGREGATE_CSYNTH for d in syn_dirs if (d / AGGREGATE_CSYNTH).is_file()), None)


def _top_from_reports(root: Path, syn_dirs: list[Path]) -> str:
    """The top when nothing names it: ``csynth.xml`` (always the top's) or the only ``*_csynth.xml``."""
    aggregate = _aggregate_csynth(syn_dirs)
    if aggregate:
        return parse_csynth_xml(aggregate).top
    names = sorted({p.name.removesuffix(_CSYNTH_SUFFIX) for d in syn_dirs for p in d.glob(f'*{_CSYNTH_SUFFIX}')})
    if len(names) == 1:
        return names[0]
    if names:
        raise ReportFormatError(
            f'{root}: cannot tell the top function among the module reports {", ".join(names)} '
            f'(no {" / ".join(APP_FILES)} or {HLS4ML_CONFIG} names it); give its name with {_TOP_OPTION}'
        )
    looked = ', '.join([*APP_FILES, HLS4ML_CONFIG, AGGREGATE_CSYNTH, f'*{_CSYNTH_SUFFIX}'])
    raise ReportFormatError(
        f'{root}: no HLS report names the top function (looked for {looked} in {_listed(syn_dirs)}); '
        f'give its name with {_TOP_OPTION}'
    )


def _file_names(top: str) -> dict[str, tuple[str, list[str]]]:
    """Report kind -> (directory kind, candidate file names in order of preference).

    ``csynth.xml`` is not a candidate: it would be the wrong file when ``top`` names a sub-module (see
    :func:`_locate`). ``_cosim.rpt`` is what cosim writes when the top name was empty.
    """
    return {
        'csynth': ('syn', [f'{top}_csynth.xml']),
        'csynth_rpt': ('syn', [f'{top}_csynth.rpt']),
        'cosim': ('sim', [f'{top}_cosim.rpt', _EMPTY_TOP_COSIM]),
        'csim': ('csim', [f'{top}_csim.log']),
        'utilization_synth': ('impl', ['vivado_synth.rpt', f'{top}_utilization_synth.rpt']),
        'utilization_impl': ('impl', ['vivado_utilization.rpt', f'{top}_utilization_routed.rpt']),
    }


def _locate(project_dir: PathLike, top: str | None) -> tuple[str, dict[str, Path]]:
    """The top and its report files; the aggregate ``csynth.xml`` stands in for a missing ``<top>_csynth.xml``
    when it is the report of that top."""
    root = Path(project_dir)
    if not root.is_dir():
        raise ReportFormatError(f'{root}: not a directory')
    _check_built(root)
    dirs, named_top = _search_dirs(root)
    top = top or named_top or _top_from_reports(root, dirs['syn'])
    found: dict[str, Path] = {}
    for kind, (dir_kind, names) in _file_names(top).items():
        paths = (d / name for name in names for d in dirs[dir_kind])
        path = next((p for p in paths if p.is_file()), None)
        if path:
            found[kind] = path
    aggregate = None if 'csynth' in found else _aggregate_csynth(dirs['syn'])
    if aggregate and parse_csynth_xml(aggregate).top == top:
        found['csynth'] = aggregate
    if not found:
        looked = sorted({name for _, names in _file_names(top).values() for name in names} - {_EMPTY_TOP_COSIM})
        places = _listed(d for ds in dirs.values() for d in ds)
        raise ReportFormatError(
            f'{root}: no reports for top {top!r} (looked for {", ".join(looked)} in {places}); '
            f'if the top function has another name, give it with {_TOP_OPTION}'
        )
    return top, found


def find_reports(project_dir: PathLike, top: str | None = None) -> dict[str, Path]:
    """Report files of the project's top function, keyed by kind: ``csynth`` (xml), ``csynth_rpt``, ``cosim``,
    ``csim``, ``utilization_synth``, ``utilization_impl``; only existing files are listed."""
    return _locate(project_dir, top)[1]


_PARSERS: dict[str, Callable[[PathLike], object]] = {
    'cosim': parse_cosim_rpt,
    'csim': parse_csim_log,
    'utilization_synth': parse_utilization_rpt,
    'utilization_impl': parse_utilization_rpt,
}


def parse_project(project_dir: PathLike, top: str | None = None) -> ProjectReport:
    """Parse every report found for the project (csynth from the XML, or from the ``.rpt`` if there is no XML)."""
    top, found = _locate(project_dir, top)
    csynth_path = found.get('csynth') or found.get('csynth_rpt')
    csynth = None
    if csynth_path:
        csynth = (parse_csynth_xml if csynth_path.suffix == '.xml' else parse_csynth_rpt)(csynth_path)
    parts = {kind: parser(found[kind]) for kind, parser in _PARSERS.items() if kind in found}
    return ProjectReport(top=top, project_dir=str(project_dir), csynth=csynth, **parts)
