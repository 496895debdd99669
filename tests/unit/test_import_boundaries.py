"""Who imports whom (STYLE.md): nothing at serve time imports torch or export/; the SDK does not
import the server; rules_native imports nothing else of ours."""
import subprocess
import sys

import pytest


def _modules_after(stmt: str) -> set[str]:
    code = f"import sys; {stmt}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_gateway_never_imports_torch_or_export():
    mods = _modules_after("import server.app, server.engine, server.servicer, server.pipeline, server.claims")
    assert not {m for m in mods if m == "torch" or m.startswith("torch.")}
    assert not {m for m in mods if m == "export" or m.startswith("export.")}


def test_sdk_does_not_import_the_server():
    mods = _modules_after("import client.sdk, client.errors, client.contract")
    assert not {m for m in mods if m == "server" or m.startswith("server.")}


@pytest.mark.parametrize("pkg", ["rules_native.codesets", "rules_native.edits"])
def test_rules_native_imports_nothing_of_ours(pkg):
    mods = _modules_after(f"import {pkg}")
    ours = {m.split(".")[0] for m in mods} & {"server", "client", "export", "loadtest"}
    assert not ours
