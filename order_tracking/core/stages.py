"""The stage vocabulary every part of the app shares."""

RECEIVED = "Received"
UNDER_REVIEW = "Under Review"
APPROVED = "Approved"
PLANNED = "Planned"
IN_PRODUCTION = "In Production"
READY_TO_SHIP = "Ready to Ship"
SHIPPED = "Shipped"
DELIVERED = "Delivered"
BILLED = "Billed"
PAID = "Paid"
CLOSED = "Closed"
CANCELLED = "Cancelled"

# The order's life, in order. Closed and Cancelled end it from any point.
STAGES: tuple[str, ...] = (
	RECEIVED,
	UNDER_REVIEW,
	APPROVED,
	PLANNED,
	IN_PRODUCTION,
	READY_TO_SHIP,
	SHIPPED,
	DELIVERED,
	BILLED,
	PAID,
	CLOSED,
	CANCELLED,
)

PROGRESS_STAGES: tuple[str, ...] = STAGES[: STAGES.index(PAID) + 1]
TERMINAL_STAGES: frozenset[str] = frozenset({CLOSED, CANCELLED})


def stage_index(stage: str) -> int:
	"""Position of `stage` in the vocabulary; raises ValueError for an unknown stage."""
	return STAGES.index(stage)


# The Order Tracker field dating each progress stage.
STAGE_DATE_FIELDS: dict[str, str] = {
	RECEIVED: "received_at",
	UNDER_REVIEW: "review_started_at",
	APPROVED: "approved_at",
	PLANNED: "planned_at",
	IN_PRODUCTION: "production_started_at",
	READY_TO_SHIP: "ready_at",
	SHIPPED: "shipped_at",
	DELIVERED: "delivered_at",
	BILLED: "billed_at",
	PAID: "paid_at",
}
