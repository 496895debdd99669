"""The Helm chart (deploy/helm/medcoder) rendered by Helm's own template engine (helm-python-sdk:
the Helm v4 Go SDK in a shared library) and every object checked against the Kubernetes OpenAPI
schemas (kubernetes-validate, strict: an unknown field is an error). The RayJob's pod templates are
checked as core PodTemplates (KubeRay's CRD schema is not packaged). Then what an operator relies on:
readiness on gRPC health, the PDB and HPA aimed at the gateway's pods, GPUs for Triton, the
database URL from a Secret, CMS tables read-only, and every MEDCODER_* variable a real setting."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

helm = pytest.importorskip("helm_python", reason="the deploy extra (helm-python-sdk) is not installed")
kv = pytest.importorskip("kubernetes_validate", reason="the deploy extra (kubernetes-validate) is not installed")
import yaml  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "medcoder"
K8S = "1.33.0"


def render(values: dict | None = None) -> list[dict]:
    with helm.Chart.load(str(CHART)) as chart:
        manifests = chart.render(values or {}, name="prod", namespace="coding")
    return [doc for text in manifests.values() for doc in yaml.safe_load_all(text) if doc]


def by_kind(docs: list[dict], kind: str, component: str | None = None) -> list[dict]:
    return [d for d in docs if d["kind"] == kind and
            (component is None or d["metadata"]["labels"].get("app.kubernetes.io/component") == component)]


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return render({"batch": {"enabled": True}})


def test_chart_lints_clean():
    result = helm.lint(str(CHART))
    assert result["errors"] == []
    assert not [m for m in result["messages"] if m["severity"] > 1], result["messages"]   # INFO only


@pytest.mark.parametrize("values", [{}, {"batch": {"enabled": True}}, {"triton": {"enabled": False}},
                                    {"gateway": {"autoscaling": {"enabled": False}}}])
def test_every_rendered_object_validates_against_the_kubernetes_schemas(values):
    docs = render(values)
    assert docs
    for doc in docs:
        if doc["apiVersion"].startswith("ray.io/"):
            continue
        kv.validate(doc, K8S, strict=True)


def test_rayjob_pod_templates_validate_and_run_medcoder_batch(docs):
    (job,) = by_kind(docs, "RayJob")
    assert job["apiVersion"] == "ray.io/v1"
    assert job["spec"]["entrypoint"].startswith("medcoder batch /data/in --out /data/out --address auto")
    cluster = job["spec"]["rayClusterSpec"]
    templates = [cluster["headGroupSpec"]["template"]] + [g["template"] for g in cluster["workerGroupSpecs"]]
    for t in templates:
        kv.validate({"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "t"}, "template": t},
                    K8S, strict=True)
        env = {e["name"]: e for e in t["spec"]["containers"][0]["env"]}
        assert env["RAY_AUTH_MODE"]["value"] == "token"
        assert env["RAY_AUTH_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "token"
    assert cluster["rayVersion"] == _pinned("ray[data]")


def test_gateway_ready_on_grpc_health_and_pdb_hpa_select_its_pods(docs):
    (dep,) = by_kind(docs, "Deployment", "gateway")
    pod = dep["spec"]["template"]
    (c,) = pod["spec"]["containers"]
    grpc_port = next(p["containerPort"] for p in c["ports"] if p["name"] == "grpc")
    assert c["readinessProbe"]["grpc"]["port"] == grpc_port
    assert "--host" in c["args"] and c["args"][c["args"].index("--host") + 1] == "0.0.0.0"
    labels = pod["metadata"]["labels"]
    (pdb,) = by_kind(docs, "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] >= 1
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (svc,) = by_kind(docs, "Service", "gateway")
    assert svc["spec"]["clusterIP"] == "None" and svc["spec"]["selector"].items() <= labels.items()
    (hpa,) = by_kind(docs, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"]
    metrics = {m["type"]: m for m in hpa["spec"]["metrics"]}
    assert metrics["Resource"]["resource"]["name"] == "cpu"
    inflight = metrics["Pods"]["pods"]["metric"]["name"]
    assert f'"{inflight}"' in (REPO / "server" / "metrics.py").read_text()   # the gauge the gateway exports
    assert "replicas" not in dep["spec"]   # the HPA owns the count


def test_gateway_env_is_real_settings_db_url_from_secret_tables_read_only(docs):
    from server.config import Config

    (dep,) = by_kind(docs, "Deployment", "gateway")
    spec = dep["spec"]["template"]["spec"]
    env = {e["name"]: e for e in spec["containers"][0]["env"]}
    fields = {f"MEDCODER_{f.name.upper()}" for f in dataclasses.fields(Config)}
    assert set(env) <= fields, set(env) - fields
    assert "value" not in env["MEDCODER_DATABASE_URL"]
    assert env["MEDCODER_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"]
    mounts = {m["name"]: m for m in spec["containers"][0]["volumeMounts"]}
    assert mounts["tables"]["readOnly"] and mounts["tables"]["mountPath"] == "/tables"
    assert all(p.startswith("/tables/") for p in env["MEDCODER_PTP_PATHS"]["value"].split(":"))
    (triton_svc,) = by_kind(docs, "Service", "triton")
    assert env["MEDCODER_TRITON_URL"]["value"] == f"{triton_svc['metadata']['name']}:8001"


def test_triton_gets_a_gpu_the_ngc_image_and_a_model_that_ships(docs):
    (dep,) = by_kind(docs, "Deployment", "triton")
    (c,) = dep["spec"]["template"]["spec"]["containers"]
    assert c["image"].startswith("nvcr.io/nvidia/tritonserver:")
    assert c["resources"]["limits"]["nvidia.com/gpu"] >= 1
    model = next(a.split("=", 1)[1] for a in c["args"] if a.startswith("--load-model="))
    config = next(a.split("=", 1)[1] for a in c["args"] if a.startswith("--model-config-name="))
    assert (REPO / "model_repository" / model / "configs" / f"{config}.pbtxt").is_file()
    assert c["readinessProbe"]["httpGet"]["path"] == "/v2/health/ready"


def _pinned(requirement: str) -> str:
    import tomllib

    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for dep in (d for group in deps.values() for d in group):
        if dep.startswith(requirement + "=="):
            return dep.split("==")[1]
    raise AssertionError(f"{requirement} is not pinned in pyproject.toml")
