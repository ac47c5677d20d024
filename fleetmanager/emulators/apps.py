from django.apps import AppConfig


class EmulatorsConfig(AppConfig):
    """Emulated OCM, AMS and SSO servers for development and tests; production code never imports them."""

    name = "fleetmanager.emulators"
    label = "emulators"
    verbose_name = "Emulated integrations (development)"
