"""The admin API (upstream's kas-fleet-manager-private-admin.yaml, BEHAVIOUR.md §8): any Kafka, for SREs."""
