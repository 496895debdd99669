"""Who imports whom (STYLE.md): nothing at serve time imports torch or export/; client/ (the contract,
its stubs, the SDK) imports nothing of ours, so it installs alone; rules_native imports nothing else
of ours."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OURS = {"server", "client", "export", "loadtest", "rules_native", "benchmarks", "tests"}


def _modules_after(stmt: str) -> set[str]:
    code = f"import sys; {stmt}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         cwd=REPO).stdout
    return set(out.split())


def _under(mods: set[str], pkg: str) -> set[str]:
    return {m for m in mods if m == pkg or m.startswith(pkg + ".")}


def test_gateway_never_imports_torch_or_export():
    # server.cli too: `medcoder serve` loads it, and `eval` imports export/ only inside the command
    mods = _modules_after("import server.app, server.engine, server.servicer, server.pipeline, server.claims, "
                          "server.cli")
    assert not _under(mods, "torch")
    assert not _under(mods, "export")


def _client_modules() -> list[str]:
    return sorted(".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
                  for p in (REPO / "client").rglob("*.py"))


def test_no_client_module_loads_the_server():
    """Import every module under client/ (stubs, SDK, errors, gen_stubs): nothing of ours but client."""
    mods = _client_modules()
    assert {"client.sdk", "client.errors", "client.contract", "client.gen_stubs"} <= set(mods)
    loaded = _modules_after("import importlib; [importlib.import_module(m) for m in %r]" % mods)
    assert set(mods) <= loaded
    assert {m.split(".")[0] for m in loaded} & OURS == {"client"}


def _imported_names(tree: ast.AST) -> set[str]:
    """Every absolute module a file names in import statements or importlib/__import__ calls,
    lazy imports inside functions included."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and (getattr(node.func, "attr", None) == "import_module"
                   or getattr(node.func, "id", None) == "__import__")):
            names.add(node.args[0].value)
    return names


def test_client_sources_name_no_module_of_ours_but_client():
    """Static: also the imports a test run never reaches (inside functions, behind flags)."""
    files = sorted((REPO / "client").rglob("*.py"))
    assert files
    bad = {}
    for f in files:
        names = _imported_names(ast.parse(f.read_text(encoding="utf-8")))
        ours = {n for n in names if n.split(".")[0] in OURS - {"client"}}
        if ours:
            bad[str(f.relative_to(REPO))] = sorted(ours)
    assert not bad, f"client/ must not import these (the SDK installs alone): {bad}"


def test_the_static_scan_sees_lazy_imports():
    tree = ast.parse("def f():\n    from server.engine import Engine\n    import importlib\n"
                     "    importlib.import_module('server.cli')\n")
    assert {"server.engine", "server.cli"} <= _imported_names(tree)


@pytest.mark.parametrize("pkg", ["rules_native.codesets", "rules_native.edits"])
def test_rules_native_imports_nothing_of_ours(pkg):
    mods = _modules_after(f"import {pkg}")
    ours = {m.split(".")[0] for m in mods} & {"server", "client", "export", "loadtest"}
    assert not ours
