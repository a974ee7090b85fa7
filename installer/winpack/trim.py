"""Trim the payload to what KommuneDesk loads: Qt by an allow-list plus its DLL dependencies.

Qt's wheels carry WebEngine resources, QML/Quick, Designer, tool executables, software OpenGL and
forty languages; the app uses six Qt modules, a handful of plugins and German. Everything of
PySide6 that is neither on the list nor needed (by PE import) by something on it is removed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

QT_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtPdf", "QtPdfWidgets", "QtPrintSupport")
QT_PLUGINS = (
    "platforms/qwindows.dll",
    "styles/qmodernwindowsstyle.dll",
    "imageformats/qico.dll",
    "imageformats/qjpeg.dll",
    "imageformats/qgif.dll",
    "imageformats/qsvg.dll",
    "iconengines/qsvgicon.dll",
)
QT_TRANSLATIONS = ("qt_de.qm", "qtbase_de.qm")
PYSIDE_PYTHON = ("__init__.py", "_config.py", "_git_pyside_version.py")
PYSIDE_PACKAGES = ("support",)

# Never in the payload (the CI check looks for them by name, too).
FORBIDDEN_PATTERNS = (
    "Qt6WebEngine*", "Qt6Quick*", "Qt6Qml*", "Qt6Designer*", "Qt6Lottie*", "Qt6Labs*", "Qt6Test.dll",
    "opengl32sw.dll", "designer.exe", "assistant.exe", "linguist.exe", "qml*.exe", "uic.exe", "rcc.exe",
    "icudtl.dat", "*.pyi", "*.lib",
)  # fmt: skip

# Not needed at run time from other packages: tests, headers, sample data, GUI toolkits' backends,
# fonts the charts never use (they draw in DejaVu Sans; "cm" stays for mathtext's fallback).
OTHER_REMOVALS = (
    "numpy/_core/tests", "numpy/_core/include", "numpy/_core/lib", "numpy/f2py", "numpy/_pyinstaller",
    "numpy/typing/tests", "numpy/testing/tests", "numpy/random/tests", "numpy/linalg/tests",
    "numpy/fft/tests", "numpy/lib/tests", "numpy/ma/tests", "numpy/polynomial/tests", "numpy/tests",
    "numpy/distutils", "matplotlib/tests", "matplotlib/mpl-data/sample_data",
    "matplotlib/backends/web_backend", "share",  # man pages
)  # fmt: skip
REMOVAL_PATTERNS = (
    "numpy/_core/_simd.*.pyd", "numpy/_core/_*_tests.*.pyd",  # numpy's self-tests
    "PIL/_avif.*.pyd", "PIL/_webp.*.pyd", "PIL/_imagingft.*.pyd",  # optional to Pillow, unused
    "PIL/_imagingtk.*.pyd",
    "matplotlib/_qhull.*.pyd",  # triangulation: no chart uses it (ImageCms stays: PDF/A needs sRGB)
    "*.dist-info/RECORD",  # pip's uninstall list: nothing uninstalls with pip here
    "fontTools/**/*.pyd",  # optional speed-ups: fontTools falls back to its pure-Python modules
    "matplotlib/_tkagg.*.pyd", "matplotlib/backends/_tkagg.*.pyd",
    "matplotlib/backends/backend_gtk*", "matplotlib/backends/_backend_gtk*",
    "matplotlib/backends/backend_wx*", "matplotlib/backends/backend_tk*",
    "matplotlib/backends/_backend_tk*", "matplotlib/backends/backend_macosx*",
    "matplotlib/backends/backend_webagg*", "matplotlib/backends/backend_nbagg*",
    "matplotlib/backends/backend_qt5*", "matplotlib/backends/backend_*cairo*",
    "matplotlib/backends/backend_pgf*",
    # the charts are drawn by Agg in a worker and shown as images: no Qt canvas, no toolbar
    "matplotlib/backends/backend_qt*", "matplotlib/backends/qt_*", "matplotlib/mpl-data/images",
    "matplotlib/mpl-data/fonts/ttf/STIX*", "matplotlib/mpl-data/fonts/ttf/DejaVuSerif*",
    "matplotlib/mpl-data/fonts/ttf/DejaVuSansMono*", "matplotlib/mpl-data/fonts/ttf/DejaVuSansDisplay*",
    "matplotlib/mpl-data/fonts/afm", "matplotlib/mpl-data/fonts/pdfcorefonts",
)  # fmt: skip
HOLIDAYS_LANGUAGES = ("de", "en_US")


def trim(site_packages: Path) -> list[str]:
    """Remove what the app never loads; return the removed paths (relative, for the build log)."""
    return _trim_pyside(site_packages / "PySide6", site_packages / "shiboken6") + trim_others(site_packages)


def trim_others(site_packages: Path) -> list[str]:
    """The removals outside Qt (tests/test_installer.py runs the app on a Linux copy trimmed so)."""
    removed: list[str] = []
    locales = site_packages / "holidays" / "locale"
    doomed = [*OTHER_REMOVALS]
    if locales.is_dir():
        doomed += [f"holidays/locale/{p.name}" for p in locales.iterdir() if p.name not in HOLIDAYS_LANGUAGES]
    doomed += [
        p.relative_to(site_packages).as_posix() for g in REMOVAL_PATTERNS for p in site_packages.glob(g)
    ]
    for relative in doomed:
        target = site_packages / relative
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        else:
            continue
        removed.append(relative)
    for pattern in ("*.pyi", "*.lib"):
        for path in site_packages.rglob(pattern):
            path.unlink()
            removed.append(path.relative_to(site_packages).as_posix())
    return removed


def _trim_pyside(pyside: Path, shiboken: Path) -> list[str]:
    keep = {pyside / name for name in PYSIDE_PYTHON}
    keep |= {pyside / f"{module}.pyd" for module in QT_MODULES}
    keep |= {pyside / "plugins" / plugin for plugin in QT_PLUGINS}
    keep |= {pyside / "translations" / name for name in QT_TRANSLATIONS}
    missing = sorted(path.name for path in keep if not path.exists())
    if missing:
        raise FileNotFoundError(f"PySide6 lacks what the app needs: {', '.join(missing)}")
    keep |= dll_closure([path for path in keep if path.suffix in (".pyd", ".dll")], [pyside, shiboken])
    kept_packages = [pyside / name for name in PYSIDE_PACKAGES]
    removed = []
    for path in sorted(pyside.rglob("*"), reverse=True):  # children before their folders
        if path in keep or any(path.is_relative_to(package) for package in kept_packages):
            continue
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        else:
            path.unlink()
            removed.append(path.relative_to(pyside.parent).as_posix())
    return removed


def dll_closure(roots: Iterable[Path], search: list[Path]) -> set[Path]:
    """Every DLL in ``search`` that ``roots`` load, directly or indirectly (by PE import tables).

    A name found in several folders resolves to the last: the MSVC runtime in both PySide6 and
    shiboken6 (the same version, 14.44) is kept once, in shiboken6, whose folder PySide6 adds to
    the DLL search path and whose DLLs load first.
    """
    by_name = {path.name.lower(): path for folder in search for path in folder.glob("*.dll")}
    found: set[Path] = set()
    pending = list(roots)
    while pending:
        image = pending.pop()
        for name in imported_dlls(image):
            dependency = by_name.get(name.lower())
            if dependency is not None and dependency not in found:
                found.add(dependency)
                pending.append(dependency)
    return found


def imported_dlls(image: Path) -> list[str]:
    """The DLL names a PE image imports, delay-loaded ones included."""
    import pefile  # the build venv's; the tests of the pure rules run without it

    pe = pefile.PE(str(image), fast_load=True)
    try:
        pe.parse_data_directories(
            directories=[
                pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"],
                pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT"],
            ]
        )
        entries = [
            *getattr(pe, "DIRECTORY_ENTRY_IMPORT", []),
            *getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", []),
        ]
        return [entry.dll.decode("ascii") for entry in entries]
    finally:
        pe.close()
