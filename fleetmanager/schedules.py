"""The reconcilers' periodic passes: what the django-q2 schedules and each reconciler process's ticker run.

By dotted path, so the core names the apps' tasks without importing them.
"""

from __future__ import annotations

# name -> task path of the schedules (every FLEET_RECONCILE_INTERVAL_MINUTES). Each pass is safe to
# run anywhere at any time: per-row work is claimed, global work runs under a lease (see
# fleetmanager.reconcile and fleetmanager.leases).
PASSES = {
    "reconcile-kafkas": "kafkas.tasks.reconcile_kafkas",
    "reconcile-clusters": "clusters.tasks.reconcile_clusters",
    "reconcile-scaling": "clusters.scaling.reconcile_scaling",
}

# What every reconciler process also runs each tick (FLEET_RECONCILE_TICK_SECONDS): the work whose
# takeover must be quick (placing, preparing and deleting Kafkas; the cluster lifecycle). The
# sweeps that call out per Kafka or decide slowly (entitlements and expiry, dynamic scaling) keep
# their once-a-minute schedule.
TICK_PASSES = {
    "kafka-rows": "kafkas.tasks.reconcile_kafka_rows",
    "clusters": "clusters.tasks.reconcile_clusters",
}
