"""Review settings: read from MEDCODER_* like the rest, validated, and a database password never logged."""
import pytest

from server.config import load_config
from server.errors import InvalidInput


def test_review_settings_come_from_the_environment(tmp_path):
    cfg = load_config(environ={"MEDCODER_REVIEW_PORT": "0", "MEDCODER_REVIEW_TOKENS": str(tmp_path / "t"),
                               "MEDCODER_REVIEW_HOST": "0.0.0.0"})
    assert (cfg.review_port, cfg.review_tokens, cfg.review_host) == (0, tmp_path / "t", "0.0.0.0")
    assert load_config(environ={}).review_port == 8080


def test_database_password_is_masked_in_the_start_up_log():
    cfg = load_config({"database_url": "postgresql://coder:hunter2@db.internal:5432/medcoder"}, environ={})
    shown = cfg.redacted()["database_url"]
    assert "hunter2" not in shown and shown == "postgresql://coder:***@db.internal:5432/medcoder"


@pytest.mark.parametrize("env", [{"MEDCODER_REVIEW_PORT": "70000"}, {"MEDCODER_REVIEW_PORT": "http"}])
def test_a_bad_review_port_is_refused_by_name(env):
    with pytest.raises(InvalidInput, match="review_port"):
        load_config(environ=env)


def test_note_text_retention_is_on_by_default_and_port_sharing_off():
    cfg = load_config(environ={})
    assert cfg.review_retention_days == 30 and cfg.reuse_port is False and cfg.review_tenant_quota_bytes == 0
    assert load_config(environ={"MEDCODER_REVIEW_RETENTION_DAYS": "0"}).review_retention_days == 0
    with pytest.raises(InvalidInput, match="review_tenant_quota_bytes"):
        load_config(environ={"MEDCODER_REVIEW_TENANT_QUOTA_BYTES": "-1"})
