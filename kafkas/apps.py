from django.apps import AppConfig


class KafkasConfig(AppConfig):
    name = "kafkas"
    verbose_name = "Kafka instances"
