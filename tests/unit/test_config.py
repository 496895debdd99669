from pathlib import Path

import pytest

from server.config import Config, load_config
from server.domain import Setting
from server.errors import InvalidInput


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
