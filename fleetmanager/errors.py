"""The upstream error catalogue, as data, and the domain exception that carries a code of it.

Every error the API returns is one of these codes, rendered in the upstream shape
``{id, kind: "Error", href, code, reason, operation_id}`` by
``fleetmanager.api.exception_handler``, which alone knows each code's HTTP status.
Domain code (services, selectors, reconcilers) raises ``ServiceError`` (or one of
the helpers below) and never builds HTTP responses itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErrorDefinition:
    code: int
    name: str
    reason: str


_CATALOGUE = (
    ErrorDefinition(4, "Forbidden", "Forbidden to perform this action"),
    ErrorDefinition(5, "MaxAllowedInstanceReached", "Forbidden to create more instances than the maximum allowed"),
    ErrorDefinition(6, "Conflict", "An entity with the specified unique values already exists"),
    ErrorDefinition(7, "NotFound", "Resource not found"),
    ErrorDefinition(8, "Validation", "General validation failure"),
    ErrorDefinition(9, "General", "Unspecified error"),
    ErrorDefinition(10, "NotImplemented", "HTTP Method not implemented for this endpoint"),
    ErrorDefinition(11, "Unauthorized", "Account is unauthorized to perform this action"),
    ErrorDefinition(12, "TermsNotAccepted", "Required terms have not been accepted"),
    ErrorDefinition(15, "Unauthenticated", "Account authentication could not be verified"),
    ErrorDefinition(17, "MalformedRequest", "Unable to read request body"),
    ErrorDefinition(
        18,
        "ServiceIsUnderMaintenance",
        "Unable to perform this action, as the service is currently under maintenance",
    ),
    ErrorDefinition(21, "BadRequest", "Bad request"),
    ErrorDefinition(23, "FailedToParseSearch", "Failed to parse search query"),
    ErrorDefinition(
        24, "TooManyKafkaInstancesReached", "The maximum number of allowed kafka instances has been reached"
    ),
    ErrorDefinition(25, "Gone", "Resource gone"),
    ErrorDefinition(30, "ProviderNotSupported", "Provider not supported"),
    ErrorDefinition(31, "RegionNotSupported", "Region not supported"),
    ErrorDefinition(32, "MalformedKafkaClusterName", "Kafka cluster name is invalid"),
    ErrorDefinition(33, "MinimumFieldLength", "Minimum field length not reached"),
    ErrorDefinition(34, "MaximumFieldLength", "Maximum field length has been depassed"),
    ErrorDefinition(36, "DuplicateKafkaClusterName", "Kafka cluster name is already used"),
    ErrorDefinition(37, "FieldValidationError", "Field validation failed"),
    ErrorDefinition(38, "MalformedServiceAccountName", "Service account name is invalid"),
    ErrorDefinition(39, "MalformedServiceAccountDesc", "Service account desc is invalid"),
    ErrorDefinition(40, "MalformedServiceAccountId", "Service account id is invalid"),
    ErrorDefinition(41, "InstanceTypeNotSupported", "Instance Type not supported"),
    ErrorDefinition(42, "InstancePlanNotSupported", "Instance plan not supported"),
    ErrorDefinition(43, "BillingAccountInvalid", "Billing account id missing or invalid"),
    ErrorDefinition(44, "DuplicateClusterId", "Enterprise cluster ID is already used"),
    ErrorDefinition(45, "InvalidClusterId", "Enterprise cluster ID is invalid"),
    ErrorDefinition(46, "InvalidExternalClusterId", "Enterprise external cluster ID is invalid"),
    ErrorDefinition(47, "InvalidDnsName", "Dns name is invalid"),
    ErrorDefinition(103, "SyncActionNotSupported", "Synchronous action is not supported, use async=true parameter"),
    ErrorDefinition(106, "FailedToCreateSSOClient", "Failed to create kafka client in the mas sso"),
    ErrorDefinition(107, "FailedToGetSSOClientSecret", "Failed to get kafka client secret from the mas sso"),
    ErrorDefinition(108, "FailedToGetSSOClient", "Failed to get kafka client from the mas sso"),
    ErrorDefinition(109, "FailedToDeleteSSOClient", "Failed to delete kafka client from the mas sso"),
    ErrorDefinition(110, "FailedToCreateServiceAccount", "Failed to create service account"),
    ErrorDefinition(111, "FailedToGetServiceAccount", "Failed to get service account"),
    ErrorDefinition(112, "FailedToDeleteServiceAccount", "Failed to delete service account"),
    ErrorDefinition(113, "ServiceAccountNotFound", "Failed to find service account"),
    ErrorDefinition(115, "MaxLimitForServiceAccountsReached", "Max limit for the service account creation has reached"),
    ErrorDefinition(120, "InsufficientQuota", "Insufficient quota"),
    ErrorDefinition(121, "FailedToCheckQuota", "Failed to check quota"),
    ErrorDefinition(429, "TooManyRequests", "Too many requests"),
    ErrorDefinition(
        1000,
        "UnableToSendErrorResponse",
        "An unexpected error happened, please check the log of the service for details",
    ),
)

CATALOGUE: dict[int, ErrorDefinition] = {error.code: error for error in sorted(_CATALOGUE, key=lambda e: e.code)}

# Names used in code, so a reader sees `errors.NOT_FOUND` rather than a bare 7.
FORBIDDEN = 4
MAX_ALLOWED_INSTANCE_REACHED = 5
CONFLICT = 6
NOT_FOUND = 7
VALIDATION = 8
GENERAL = 9
NOT_IMPLEMENTED = 10
UNAUTHORIZED = 11
TERMS_NOT_ACCEPTED = 12
UNAUTHENTICATED = 15
MALFORMED_REQUEST = 17
SERVICE_UNDER_MAINTENANCE = 18
BAD_REQUEST = 21
FAILED_TO_PARSE_SEARCH = 23
TOO_MANY_KAFKA_INSTANCES = 24
PROVIDER_NOT_SUPPORTED = 30
REGION_NOT_SUPPORTED = 31
MALFORMED_KAFKA_NAME = 32
MINIMUM_FIELD_LENGTH = 33
MAXIMUM_FIELD_LENGTH = 34
DUPLICATE_KAFKA_NAME = 36
FIELD_VALIDATION = 37
INSTANCE_TYPE_NOT_SUPPORTED = 41
INSTANCE_PLAN_NOT_SUPPORTED = 42
BILLING_ACCOUNT_INVALID = 43
DUPLICATE_CLUSTER_ID = 44
INVALID_CLUSTER_ID = 45
INVALID_EXTERNAL_CLUSTER_ID = 46
INVALID_DNS_NAME = 47
SYNC_ACTION_NOT_SUPPORTED = 103
FAILED_TO_CREATE_SSO_CLIENT = 106
INSUFFICIENT_QUOTA = 120
FAILED_TO_CHECK_QUOTA = 121


def definition(code: int) -> ErrorDefinition:
    """The catalogue entry; an unknown code is treated as General (500/9), as upstream."""
    return CATALOGUE.get(code, CATALOGUE[GENERAL])


class ServiceError(Exception):
    """An error with an upstream code. ``reason`` is the client-facing message."""

    def __init__(self, code: int, reason: str = "") -> None:
        self.definition = definition(code)
        self.code = self.definition.code
        self.reason = reason or self.definition.reason
        super().__init__(f"{self.code}: {self.reason}")


def not_found(reason: str = "") -> ServiceError:
    return ServiceError(NOT_FOUND, reason)


def bad_request(reason: str) -> ServiceError:
    return ServiceError(BAD_REQUEST, reason)


def sync_not_supported() -> ServiceError:
    return ServiceError(SYNC_ACTION_NOT_SUPPORTED)


class ServiceUnavailable(ServiceError):
    """A dependency the service cannot work without (its database) is away: retry shortly.

    Upstream has no code for this; the body is its General error (9) with a reason that
    says what happened, and the API answers 503 with ``Retry-After``.
    """

    retry_after = 5

    def __init__(self, reason: str = "the service is temporarily unavailable; retry in a few seconds") -> None:
        super().__init__(GENERAL, reason)
