from django.apps import AppConfig


class KafkasConfig(AppConfig):
    name = "kafkas"
    verbose_name = "Kafka instances"

    def ready(self) -> None:
        from clusters import capacity
        from fleetmanager import metrics
        from kafkas import selectors

        # Capacity is counted in the clusters app, which does not import this one: it asks this census.
        capacity.register_census(selectors.KafkaCensus())

        metrics.register_database_gauge(
            metrics.DatabaseGauge(
                name=f"{metrics.PREFIX}kafka_requests_status_count",
                documentation="Number of Kafkas in each status",
                label="status",
                read=selectors.status_counts,
            )
        )
