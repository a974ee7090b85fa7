"""Build hook: the server distribution's modules come from the KommuneDesk source tree.

From a checkout the tree is the parent folder (``server/..``); from an sdist of this distribution it
is the sdist itself, which carries its own copy. Either way exactly the paths listed under
``[tool.hatch.build.hooks.custom] modules`` in pyproject.toml go into the sdist and the wheel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class ServerModulesHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        tree = root if (root / "kommune_desk").is_dir() else root.parent
        for module in self.config["modules"]:
            source = tree / module
            if not source.exists():
                raise FileNotFoundError(f"{module} fehlt im Quellbaum {tree}")
            build_data["force_include"][str(source)] = module
