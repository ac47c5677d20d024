"""The simulated data plane: what kas-fleetshard and Kubernetes make of the ManagedKafkas an agent is served.

``managedkafka`` turns a served item into the ManagedKafka resource the agent applies,
``strimzi`` renders the Strimzi ``Kafka`` resource kas-fleetshard would derive from it,
``reserved`` the pause-pod Deployments of pre-warmed (reserved) instances, ``schema``
checks every resource against its CRD as an API server would, and ``store`` writes them
as YAML files. Everything here is pure data in, data out: it knows only what the agent
API serves (and the instance types configuration, as kas-fleetshard has its profiles).
"""
