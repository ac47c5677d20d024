from django.apps import AppConfig


class KafkasConfig(AppConfig):
    name = "kafkas"
    verbose_name = "Kafka instances"

    def ready(self) -> None:
        from fleetmanager import metrics
        from kafkas import selectors

        metrics.register_database_gauge(
            metrics.DatabaseGauge(
                name=f"{metrics.PREFIX}kafka_requests_status_count",
                documentation="Number of Kafkas in each status",
                label="status",
                read=selectors.status_counts,
            )
        )
