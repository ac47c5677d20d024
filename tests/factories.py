"""factory_boy factories for rows the tests need in a given state."""

from __future__ import annotations

import factory

from clusters.models import Cluster, ClusterStatus, ProviderType
from kafkas.models import KafkaRequest, KafkaStatus


class KafkaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KafkaRequest

    name = factory.Sequence(lambda n: f"kafka-{n}")
    owner = "alice"
    organisation_id = "13640203"
    cloud_provider = "aws"
    region = "us-east-1"
    multi_az = True
    instance_type = "standard"
    size_id = "x1"
    max_data_retention_size = "1000Gi"
    actual_kafka_billing_model = "standard"
    desired_kafka_billing_model = "standard"
    status = KafkaStatus.ACCEPTED


STRIMZI_VERSIONS = [
    {
        "version": "strimzi-cluster-operator.v0.23.0-4",
        "ready": True,
        "kafkaVersions": ["2.7.0", "2.8.1", "3.1.0"],
        "kafkaIbpVersions": ["2.7", "2.8", "3.1"],
    }
]


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    cluster_id = factory.Sequence(lambda n: f"cluster{n:04d}")
    name = factory.LazyAttribute(lambda c: c.cluster_id)
    cloud_provider = "aws"
    region = "us-east-1"
    multi_az = True
    status = ClusterStatus.READY
    provider_type = ProviderType.STANDALONE
    cluster_dns = factory.LazyAttribute(lambda c: f"apps.{c.cluster_id}.example.com")
    client_id = factory.LazyAttribute(lambda c: f"kas-fleetshard-agent-{c.cluster_id}")
    available_strimzi_versions = factory.LazyFunction(lambda: [dict(v) for v in STRIMZI_VERSIONS])
