from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class FleetManagerConfig(AppConfig):
    """The project's own app: cross-cutting models (leases), commands and start-up checks."""

    name = "fleetmanager"
    verbose_name = "Fleet manager"

    def ready(self) -> None:
        # Load and validate the upstream-format configuration files now, so a missing
        # or malformed file stops start-up with a message naming the file and field
        # instead of failing on the first request.
        import fleetmanager.query.lookups  # noqa: F401  (registers the `like`/`ilike` lookups)
        from fleetmanager import logs, ticker
        from fleetmanager.fleetconfig import fleet_config

        fleet_config()
        # Reconciler tasks log with the operation id of the request that kicked them.
        logs.connect_task_context()
        # `manage.py qcluster` processes run the reconcile passes every few seconds (fleetmanager.ticker).
        ticker.start_in_reconciler_process()


class FleetAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the SRE console's site (fleetmanager.console.FleetAdminSite)."""

    default = False
    default_site = "fleetmanager.console.FleetAdminSite"
