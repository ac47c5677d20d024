import time

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
        # Upstream's version gauges keep their names without the service prefix (§10).
        for component in selectors.VERSION_FIELDS:
            metrics.register_database_gauge(
                metrics.DatabaseGauge(
                    name=f"{component}_version",
                    documentation=f"Scrape time (epoch seconds) per Kafka and {component} version: "
                    "type actual, desired, or upgrade while the agent upgrades it",
                    label=("cluster_id", "kafka_id", "type", "version"),
                    read=lambda component=component: selectors.version_series(component, time.time()),
                )
            )
