"""A Kafka's own metrics for its users (`/kafkas/{id}/metrics/...`; BEHAVIOUR.md §1.9, §13).

``catalogue`` lists upstream's metrics and selectors, ``queries`` asks Observatorium,
``federate`` renders the Prometheus text format; ``views``, ``serializers``, ``permissions``
and ``urls`` are the HTTP layer.
"""
