from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Data-plane agents"

    def ready(self) -> None:
        from agents.panels import data_plane_panels
        from fleetmanager import console

        # The console's Kafka page (kafkas app) shows what the simulated data plane runs for the Kafka.
        console.register_kafka_panels(data_plane_panels)
