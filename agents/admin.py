"""The Kafka page of the console also shows the ManagedKafka its agent is served (secrets masked),
and what the simulated data plane made of it (the resources the agent wrote, read-only).

The agents app renders ManagedKafkas and depends on kafkas (never the other way), so it extends
the kafkas app's admin here rather than kafkas importing it.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from agents.panels import data_plane_panels
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
    fieldsets = (
        *KafkaRequestAdmin.fieldsets,
        ("Served to the agent", {"fields": ("managed_kafka", "data_plane_resources")}),
    )

    @admin.display(description="ManagedKafka")
    def managed_kafka(self, kafka: KafkaRequest) -> str:
        if not kafka.bootstrap_server_host:
            return "not served yet (the Kafka is not prepared)"
        return format_html("<pre>{}</pre>", json.dumps(masked_managed_kafka(kafka), indent=2))

    @admin.display(description="Data-plane resources")
    def data_plane_resources(self, kafka: KafkaRequest) -> str:
        return format_html_join(
            "",
            '<div class="data-plane-panel"><h3>{}</h3><p class="help">{}</p>{}</div>',
            (
                (
                    panel.title,
                    panel.note,
                    format_html('<pre class="data-plane-yaml">{}</pre>', panel.text) if panel.text else "",
                )
                for panel in data_plane_panels(kafka)
            ),
        )


admin.site.unregister(KafkaRequest)
admin.site.register(KafkaRequest, KafkaWithManagedKafkaAdmin)
