"""The SRE console in a real browser (Debian's Chromium through chromium-driver), logged in through a real
OIDC provider served on loopback (oidc-provider-mock): dashboard, filtered Kafka list, the suspend action,
its audit entry, and the refusal of a user without the SRE group. Screenshots go to var/browser/.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User

from fleetmanager.models import AuditEntry
from kafkas.models import KafkaRequest
from tests.factories import KafkaFactory

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SHOTS = Path(django_settings.BASE_DIR) / "var" / "browser"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="!!! SKIPPED LOUDLY: chromium and chromium-driver are not installed and `make test` could not install "
        "them (scripts/ensure-browser.sh; apt-get install chromium chromium-driver) !!!",
    ),
]


@pytest.fixture
def oidc_provider() -> Iterator[str]:
    from oidc_provider_mock import User as OidcUser
    from oidc_provider_mock import run_server_in_thread

    users = [
        OidcUser(sub="sre-alice", claims={"email": "alice@example.com", "groups": ["fleet-sre"]}),
        OidcUser(sub="mallory", claims={"email": "mallory@example.com", "groups": ["engineering"]}),
    ]
    with run_server_in_thread(user_claims=users) as server:
        # localhost, while the console is served on 127.0.0.1: separate cookie jars, as two real hosts.
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def oidc_settings(settings: Any, oidc_provider: str) -> None:
    settings.OIDC_RP_CLIENT_ID = "fleet-console"
    settings.OIDC_RP_CLIENT_SECRET = "console-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{oidc_provider}/oauth2/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{oidc_provider}/oauth2/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{oidc_provider}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{oidc_provider}/jwks"
    # The mock provider's one signing key has no `kid`; the signature is still checked against it.
    settings.OIDC_VERIFY_KID = False
    settings.FLEET_OIDC_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = ["fleetmanager.oidc.StaffOIDCBackend"]


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    profile = SHOTS / "profile"
    shutil.rmtree(profile, ignore_errors=True)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def shot(driver: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def log_in(driver: Any, base: str, sub: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/admin/")
    driver.find_element(By.ID, "sso-login").click()
    driver.find_element(By.CSS_SELECTOR, f'button[name="sub"][value="{sub}"]').click()
    # The provider redirects back to the console: wait until its page has loaded, not the provider's.
    WebDriverWait(driver, 20).until(
        lambda d: d.current_url.startswith(base) and d.execute_script("return document.readyState") == "complete"
    )


@pytest.mark.django_db(transaction=True)
def test_an_sre_logs_in_through_oidc_and_suspends_a_ready_kafka(
    live_server: Any, oidc_settings: None, browser: Any, ready_cluster: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base = live_server.url.replace("localhost", "127.0.0.1")
    target = KafkaFactory(name="orders-prod", status="ready", cluster_id=ready_cluster.cluster_id)
    KafkaFactory(name="billing-prod", status="ready", cluster_id=ready_cluster.cluster_id)
    KafkaFactory(name="fresh-one", status="accepted")
    KafkaFactory(name="broken-one", status="failed", cluster_id=ready_cluster.cluster_id)

    log_in(browser, base, "sre-alice")

    assert "Kafkas by status" in browser.page_source
    shot(browser, "01-dashboard")
    user = User.objects.get(username="oidc:sre-alice")
    assert user.is_staff and list(user.groups.values_list("name", flat=True)) == ["SRE"]

    # The dashboard's "ready" link opens the Kafka list filtered by status.
    browser.find_element(By.LINK_TEXT, "ready").click()
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#result_list th.field-name a")]
    assert sorted(names) == ["billing-prod", "orders-prod"]
    shot(browser, "02-kafkas-ready")

    row = browser.find_element(By.XPATH, "//tr[.//a[text()='orders-prod']]")
    row.find_element(By.CSS_SELECTOR, "input.action-select").click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("suspend")
    browser.find_element(By.NAME, "index").click()
    assert "Suspended: orders-prod" in browser.find_element(By.CSS_SELECTOR, ".messagelist").text
    shot(browser, "03-suspended")
    assert KafkaRequest.objects.get(pk=target.pk).status == "suspending"

    browser.get(f"{base}/admin/fleetmanager/auditentry/")
    audit_row = browser.find_element(By.CSS_SELECTOR, "#result_list tbody tr").text
    assert "kafka.suspend" in audit_row and "alice@example.com" in audit_row and "Done" in audit_row
    shot(browser, "04-audit-trail")
    assert AuditEntry.objects.get(action="kafka.suspend").changes == {"status": ["ready", "suspending"]}

    browser.find_element(By.CSS_SELECTOR, "#logout-form button").click()
    log_in(browser, base, "mallory")

    assert "not in an SRE group" in browser.page_source
    shot(browser, "05-refused")
    assert not User.objects.filter(username="oidc:mallory", is_staff=True).exists()
