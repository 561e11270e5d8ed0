"""The plugin's state, read by every stage that needs to know it is active (set by :mod:`hgq_hls4ml.plugin`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PluginStatus:
    """Whether the plugin is active, why not if it is not, and which HGQ2 classes it converts."""

    active: bool = False
    reason: str = 'hls4ml has not loaded its backend plugins yet'
    handled_classes: tuple[str, ...] = field(default_factory=tuple)


STATUS = PluginStatus()


def plugin_status() -> PluginStatus:
    """The plugin's state; importing hls4ml first makes sure its plugins were loaded."""
    import hls4ml  # noqa: F401

    return STATUS
