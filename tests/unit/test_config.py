import ast
import dataclasses
import os
import re
from pathlib import Path

import pytest

from server.config import SECTIONS, Config, convert, load_config
from server.models import MAX_BATCH_ROWS
from server.domain import Setting
from server.errors import InvalidInput

REPO = Path(__file__).resolve().parents[2]


def test_defaults():
    cfg = load_config(environ={})
    assert (cfg.host, cfg.port, cfg.backend) == ("127.0.0.1", 50051, "embedded")
    assert cfg.default_setting is Setting.OUTPATIENT


def test_explicit_beats_environment_beats_default():
    env = {"MEDCODER_PORT": "6000", "MEDCODER_MAX_INFLIGHT": "8", "MEDCODER_PTP_PATHS": "/a.txt:/b.txt",
           "MEDCODER_DEFAULT_SETTING": "inpatient"}
    cfg = load_config({"port": 7000, "host": None}, environ=env)
    assert cfg.port == 7000 and cfg.max_inflight == 8 and cfg.host == "127.0.0.1"
    assert cfg.ptp_paths == (Path("/a.txt"), Path("/b.txt"))
    assert cfg.default_setting is Setting.INPATIENT


@pytest.mark.parametrize("env", [{"MEDCODER_PORT": "http"}, {"MEDCODER_BACKEND": "gpu"},
                                 {"MEDCODER_PORT": "70000"}])
def test_bad_values_name_the_setting(env):
    with pytest.raises(InvalidInput):
        load_config(environ=env)


def test_config_is_frozen():
    with pytest.raises(Exception):
        Config().port = 1  # type: ignore[misc]


def test_serving_settings_from_the_environment():
    env = {"MEDCODER_BACKEND": "triton", "MEDCODER_LINKER": "on", "MEDCODER_FALLBACK": "false",
           "MEDCODER_TRITON_URL": "10.0.0.5:8001", "MEDCODER_METRICS_PORT": "-1"}
    cfg = load_config(environ=env)
    assert (cfg.backend, cfg.linker, cfg.fallback, cfg.triton_url, cfg.metrics_port) == (
        "triton", True, False, "10.0.0.5:8001", -1)
    assert cfg.triton_model == "code_linker_python"
    defaults = load_config(environ={})
    assert (defaults.linker, defaults.fallback, defaults.metrics_port) == (False, True, 9464)


@pytest.mark.parametrize("env", [{"MEDCODER_LINKER": "maybe"}, {"MEDCODER_METRICS_PORT": "-2"},
                                 {"MEDCODER_BACKEND": "none", "MEDCODER_LINKER": "1"},
                                 {"MEDCODER_EMBEDDED_MAX_BATCH": "0"}])
def test_bad_serving_settings_are_refused(env):
    with pytest.raises(InvalidInput):
        load_config(environ=env)


def test_every_setting_is_read_from_its_environment_variable_by_its_type(tmp_path):
    """No converter table: the field's type says how its MEDCODER_* text is read."""
    env = {"MEDCODER_FALLBACK": "off", "MEDCODER_WORKERS": "3", "MEDCODER_GRACE_S": "1.5",
           "MEDCODER_DEFAULT_MIN_SCORE": "0.3", "MEDCODER_REVIEW_TOKENS": str(tmp_path / "t"),
           "MEDCODER_COVERAGE_PATHS": f"{tmp_path / 'a.csv'}{os.pathsep}{os.pathsep}{tmp_path / 'b.csv'}",
           "MEDCODER_BACKEND": " triton ", "MEDCODER_DATABASE_URL": "postgresql://db/x"}
    cfg = load_config(environ=env)
    assert (cfg.fallback, cfg.workers, cfg.grace_s, cfg.default_min_score) == (False, 3, 1.5, 0.3)
    assert cfg.review_tokens == tmp_path / "t" and cfg.backend == "triton"
    assert cfg.coverage_paths == (tmp_path / "a.csv", tmp_path / "b.csv")
    assert cfg.database_url == "postgresql://db/x"
    defaults = Config()
    for f in dataclasses.fields(Config):   # each default, written as text, reads back as itself
        value = getattr(defaults, f.name)
        if value is None or value == ():
            continue
        text = value.value if isinstance(value, Setting) else str(value)
        assert convert(f.name, text) == value, f.name


@pytest.mark.parametrize(("change", "words"), [
    ({"port": 70000}, "port: a port 0..65535"),
    ({"backend": "gpu"}, "backend: one of embedded, triton, none"),
    ({"embedded_max_batch": 0}, "embedded_max_batch: >= 1"),
    ({"phrase_cache_rows": -1}, "phrase_cache_rows: >= 0"),
    ({"backend_timeout_s": 0.0}, "backend_timeout_s: > 0"),
    ({"default_min_score": 1.5}, "default_min_score: within 0..1"),
    ({"port": "7000"}, "port: an integer"),
    ({"linker": "yes"}, "linker: on/off"),
    ({"default_setting": "inpatient"}, "default_setting: one of outpatient, inpatient"),
    ({"ptp_paths": ("a.txt",)}, "ptp_paths: a path values"),
    ({"log_level": "loud"}, "log_level: a logging level"),
    ({"linker": True, "backend": "none"}, "linker needs a model backend"),
    ({"workers": 2, "port": 0}, "several workers need a fixed port"),
    ({"replicas": 2, "workers": 2, "port": 7000}, "replicas and workers: choose one"),
    ({"replicas": 3, "port": 65534}, "replica i listens on port + i"),
    ({"replicas": 0}, "bad value for setting replicas: >= 1 expected"),
])
def test_replace_validates_like_load_config(change, words):
    """A Config changed with dataclasses.replace (as the CLI does for a shared Triton) is checked
    in __post_init__, with an error that names the setting and what it takes."""
    with pytest.raises(InvalidInput, match=re.escape(words)):
        dataclasses.replace(load_config(environ={}), **change)


def test_settings_are_grouped_in_sections():
    cfg = Config()
    assert {f.metadata["section"] for f in dataclasses.fields(Config)} == set(SECTIONS)
    assert cfg.section("tables")["ptp_paths"] == () and "backend" in cfg.section("model")
    assert sum(len(cfg.section(s)) for s in SECTIONS) == len(dataclasses.fields(Config))
    assert cfg.embedded_max_batch == MAX_BATCH_ROWS


def test_an_unknown_explicit_setting_is_refused():
    with pytest.raises(InvalidInput, match="unknown setting colour"):
        load_config({"colour": "blue"}, environ={})


def test_nothing_but_the_config_reads_the_environment():
    """server/ and rules_native/ read MEDCODER_* through the Config only; the Triton launcher
    copies the environment whole into its child process, reading nothing from it."""
    allowed = {REPO / "server" / "config.py", REPO / "server" / "triton_server.py"}
    readers = [p.relative_to(REPO) for d in ("server", "rules_native") for p in sorted((REPO / d).rglob("*.py"))
               if p not in allowed and _reads_environment(p)]
    assert readers == []


def _reads_environment(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            return True
        if isinstance(node, ast.alias) and node.name in ("environ", "getenv"):
            return True
    return False
