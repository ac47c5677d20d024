"""Users' service accounts (`/service_accounts`, `/sso_providers`; BEHAVIOUR.md §1.12).

``accounts`` decides and calls the SSO; ``views``, ``serializers`` and ``urls`` are the HTTP layer.
"""
