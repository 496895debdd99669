"""The SDK's replica routing: targets from address lists or DNS names, and a service config that
gRPC C-core itself accepts (a rejected one fails every call with INVALID_ARGUMENT)."""
from __future__ import annotations

import socket

import pytest

from client.contract import SERVICE_NAME, pb
from client.errors import Unavailable, DeadlineExceeded
from client.routing import RetryPolicy, service_config, target_of
from client.sdk import MedcoderClient


def test_address_lists_become_static_targets_and_a_name_is_left_to_dns():
    assert target_of(["127.0.0.1:5001", "127.0.0.1:5002"]) == "ipv4:127.0.0.1:5001,127.0.0.1:5002"
    assert target_of("127.0.0.1:5001, 127.0.0.1:5002") == "ipv4:127.0.0.1:5001,127.0.0.1:5002"
    assert target_of(["[::1]:5001", "[::1]:5002"]) == "ipv6:[::1]:5001,[::1]:5002"
    assert target_of("gateway.medcoder.svc:50051") == "dns:///gateway.medcoder.svc:50051"
    assert target_of("127.0.0.1:50051") == "127.0.0.1:50051"
    assert target_of("dns:///gw:1") == "dns:///gw:1"
    with pytest.raises(ValueError, match="DNS name"):
        target_of(["gw-a:1", "gw-b:1"])
    with pytest.raises(ValueError, match="needs a port"):
        target_of(["127.0.0.1"])
    with pytest.raises(ValueError, match="all IPv4 or all IPv6"):
        target_of(["127.0.0.1:1", "[::1]:1"])


def test_retries_cover_shedding_everywhere_but_not_a_decision_whose_replica_died():
    config = service_config()
    assert config["loadBalancingConfig"] == [{"round_robin": {}}]
    assert config["healthCheckConfig"] == {"serviceName": SERVICE_NAME}
    by_method = {n["method"]: m["retryPolicy"]["retryableStatusCodes"] for m in config["methodConfig"] for n in m["name"]}
    assert by_method["CodeEncounter"] == by_method["ScoreClaim"] == ["UNAVAILABLE", "RESOURCE_EXHAUSTED"]
    assert by_method["SubmitReview"] == ["RESOURCE_EXHAUSTED"]   # it may have been recorded before the crash
    assert "methodConfig" not in service_config(None)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=9)
    with pytest.raises(ValueError):
        RetryPolicy(max_tokens=10.5)


@pytest.mark.parametrize("retry", [RetryPolicy(), None])
def test_grpc_accepts_the_service_config(retry):
    """Nothing listens on these ports: a valid config gives UNAVAILABLE (or the deadline),
    never INVALID_ARGUMENT from the channel refusing its config."""
    ports = []
    for _ in range(2):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    with MedcoderClient([f"127.0.0.1:{p}" for p in ports], timeout_s=1.5, retry=retry) as mc:
        with pytest.raises((Unavailable, DeadlineExceeded)):
            mc.code("Assessment: essential hypertension.")
        with pytest.raises((Unavailable, DeadlineExceeded)):
            mc.score_claim(pb.Claim(claim_id="c1"))
