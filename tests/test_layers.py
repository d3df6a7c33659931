"""rom's layers, read from the code's own imports: front ends -> pipeline -> rooms -> base.

Every ``import`` in ``rom/`` counts, also those inside functions; imports under
``if TYPE_CHECKING:`` do not (they are never run).  See docs/ARCHITECTURE.md, "Layers".
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The front ends: nothing else in rom imports them.
FRONT_ENDS = ("rom.cli", "rom.commands", "rom.dashboard", "rom.batch")
#: Pure science and shared words: numpy (and SciPy/OpenCV maths) only, no files, models,
#: video, database or screen.
SCIENCE = ("rom.vocabulary", "rom.errors", "rom.labels", "rom.style", "rom.landmarks",
           "rom.calibration", "rom.signal", "rom.geometry", "rom.measurement", "rom.swaps",
           "rom.protocols", "rom.compare", "rom.comparison", "rom.trials", "rom.norms",
           "rom.calibrate.vertical", "rom.history", "rom.trend", "rom.correction",
           "rom.csvsafe", "rom.pdftext",
           "rom.version")
#: What science may never reach: I/O, models, the store, rendering and everything above.
IO_AND_ABOVE = ("rom.video", "rom.landmarker", "rom.tracking", "rom.posemodels", "rom.store",
                "rom.render", "rom.videowriter", "rom.report", "rom.pipeline", "rom.paths",
                "rom.fileio", "rom.calibrate.sources", *FRONT_ENDS)


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _runtime_imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if _is_module(sub) else target)
    return {name for name in found if name == "rom" or name.startswith("rom.")}


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in sorted((ROOT / "rom").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[module] = _runtime_imports(tree, module, path.name == "__init__.py") - {module}
    return graph


GRAPH = _graph()


def test_science_reaches_no_io_and_nothing_above() -> None:
    broken = sorted((m, t) for m, targets in GRAPH.items() if _within(m, SCIENCE)
                    for t in targets if _within(t, IO_AND_ABOVE))
    assert broken == []


def test_only_front_ends_import_front_ends_and_the_pipeline() -> None:
    broken = sorted((m, t) for m, targets in GRAPH.items() if not _within(m, FRONT_ENDS)
                    for t in targets if _within(t, (*FRONT_ENDS, "rom.pipeline"))
                    and not _within(t, (m.rsplit(".", 1)[0],)))
    assert broken == []


def test_nothing_inside_rom_imports_the_package_face() -> None:
    assert sorted(m for m, targets in GRAPH.items() if "rom" in targets) == []


def test_only_the_pipeline_strings_the_analysis_steps_together() -> None:
    steps = ("rom.tracking", "rom.calibrate.scene")
    # rom.refine is the tracking room's second pass (the accurate model on chosen frames):
    # it uses tracking's detector and cache, and only the pipeline calls it.
    callers = sorted(m for m, targets in GRAPH.items() for t in targets if t in steps
                     and m not in ("rom.pipeline", "rom.calibrate", "rom.refine"))
    assert callers == []
    assert sorted(m for m, targets in GRAPH.items() if "rom.refine" in targets
                  and not m.startswith("rom.commands")) == ["rom.pipeline"]


def test_the_import_graph_has_no_cycle() -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []
