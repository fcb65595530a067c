"""The architecture's import arrows: model/ is pure numpy (+ numba) + stdlib; no side effects."""

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).parent.parent / "src" / "innostate"
ALLOWED_IN_MODEL = {
    "zlib",
    "numpy",
    "__future__",
    "dataclasses",
    "typing",
    "collections",
    "types",
    "math",
    "functools",
    "itertools",
    "enum",
    # numba compiles the model's hot loops to machine code (model/kernels.py, issue 10): plain
    # loops over numpy arrays, no other library; deliberately allowed for speed
    "numba",
    # model/kernels.py names numba's cache folder by a digest of the compiled sources (a
    # stale cache would give old results): it reads its own package's .py files, no data
    "hashlib",
    "os",
    "pathlib",
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_model_imports_only_numpy_stdlib_and_itself():
    for path in (SRC / "model").rglob("*.py"):
        for name in imports(path):
            top = name.split(".")[0]
            assert top in ALLOWED_IN_MODEL or name.startswith("innostate.model"), (path, name)


def test_lower_layers_never_import_interfaces_or_experiments():
    for layer in ("model", "scenario", "data"):
        for path in (SRC / layer).rglob("*.py"):
            for name in imports(path):
                assert not name.startswith(("innostate.interfaces", "innostate.experiments")), (
                    path,
                    name,
                )


def test_import_has_no_heavy_side_effects():
    code = (
        "import sys, innostate; "
        "print(sorted(m for m in ('plotly', 'pyarrow', 'typer') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
