"""No module imports a private name (``_name``) from another folder of the package: a name another stage needs is
public where it is defined (the folder-level import graph itself is checked by ``lint-imports``, see pyproject)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / 'hgq_hls4ml'


def _folder(module: tuple[str, ...]) -> str:
    return module[0] if module else ''


def private_imports_across_folders(package: Path = PACKAGE) -> list[str]:
    """``file:line: name from module`` for every private name imported from another folder."""
    found = []
    for path in sorted(package.rglob('*.py')):
        parts = path.relative_to(package).with_suffix('').parts
        here = parts[:-1]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = here[: len(here) - node.level + 1]
                target = (*base, *(node.module or '').split('.')) if node.module else base
            elif (node.module or '').startswith('hgq_hls4ml.'):
                target = tuple(node.module.split('.')[1:])
            else:
                continue
            if _folder(target) == _folder(parts[:-1] or parts):
                continue
            for alias in node.names:
                if alias.name.startswith('_') and not alias.name.endswith('__'):
                    found.append(f'{path.relative_to(package)}:{node.lineno}: {alias.name} from {".".join(target)}')
    return found


def test_no_private_name_crosses_a_folder():
    assert private_imports_across_folders() == []


def test_the_check_sees_a_private_import(tmp_path):
    (tmp_path / 'a').mkdir()
    (tmp_path / 'b').mkdir()
    (tmp_path / 'a' / 'm.py').write_text('def _hidden():\n    pass\n')
    (tmp_path / 'b' / 'n.py').write_text('from ..a.m import _hidden\n')
    assert private_imports_across_folders(tmp_path) == ['b/n.py:1: _hidden from a.m']
