from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "clusters"
    verbose_name = "Data-plane clusters"

    def ready(self) -> None:
        from clusters import selectors
        from fleetmanager import metrics

        prefix = metrics.PREFIX
        metrics.register_database_gauge(
            metrics.DatabaseGauge(
                name=f"{prefix}cluster_status_count",
                documentation="Number of data-plane clusters in each status",
                label="status",
                read=selectors.status_counts,
            )
        )
        metrics.register_database_gauge(
            metrics.DatabaseGauge(
                name=f"{prefix}kafka_per_cluster_count",
                documentation="Streaming units of the Kafkas on each data-plane cluster",
                label=("cluster_id", "external_id"),
                read=selectors.kafka_units_per_cluster,
            )
        )
        # One query serves the three capacity gauges of a scrape.
        capacity = metrics.ScrapeCache(selectors.capacity_series)
        for kind, meaning in (
            ("max", "the most streaming units the cluster may hold of the instance type"),
            ("used", "streaming units the cluster's Kafkas of the instance type use"),
            ("available", "streaming units still free for the instance type"),
        ):
            metrics.register_database_gauge(
                metrics.DatabaseGauge(
                    name=f"{prefix}cluster_status_capacity_{kind}",
                    documentation=f"Capacity of each ready cluster: {meaning}",
                    label=("region", "instance_type", "cluster_id", "cloud_provider"),
                    read=lambda kind=kind: capacity.get()[kind],
                )
            )
