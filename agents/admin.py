"""The Kafka page of the console also shows the ManagedKafka its agent is served (secrets masked).

The agents app renders ManagedKafkas and depends on kafkas (never the other way), so it extends
the kafkas app's admin here rather than kafkas importing it.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.utils.html import format_html

from agents.serializers import ManagedKafkaSerializer
from fleetmanager.audit import MASK
from kafkas.admin import KafkaRequestAdmin
from kafkas.models import KafkaRequest


def masked_managed_kafka(kafka: KafkaRequest) -> dict[str, Any]:
    body = json.loads(json.dumps(ManagedKafkaSerializer(kafka).data))
    for account in body.get("spec", {}).get("serviceAccounts") or []:
        account["password"] = MASK
    return body


class KafkaWithManagedKafkaAdmin(KafkaRequestAdmin):
    fieldsets = (*KafkaRequestAdmin.fieldsets, ("Served to the agent", {"fields": ("managed_kafka",)}))

    @admin.display(description="ManagedKafka")
    def managed_kafka(self, kafka: KafkaRequest) -> str:
        if not kafka.bootstrap_server_host:
            return "not served yet (the Kafka is not prepared)"
        return format_html("<pre>{}</pre>", json.dumps(masked_managed_kafka(kafka), indent=2))


admin.site.unregister(KafkaRequest)
admin.site.register(KafkaRequest, KafkaWithManagedKafkaAdmin)
