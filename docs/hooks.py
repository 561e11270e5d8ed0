"""MkDocs hook: README.md, the repository's front page, is the site's front page too (``index.md``), with its links
into ``docs/`` made relative to the site."""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File, Files


def on_files(files: Files, config) -> Files:
    readme = Path(config.config_file_path).parent / 'README.md'
    files.append(File.generated(config, 'index.md', content=readme.read_text().replace('](docs/', '](')))
    return files
