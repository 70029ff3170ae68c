"""Outsourcing's old single module, kept while the other stage modules switch their imports (issue 19):
each name is re-exported from the feature file it moved to. Import from those files instead:

- `orders`: making orders (`make_for_job_cards`, `make_for_order_line`, `make_from_plan`) and what
  they propose (`default_supplier_warehouse`, `last_rate`, `outsourcing_workstation` …)
- `order_state`: the order's lines, totals and status (`refresh_order`, `close`), `OutsourcingError`
- `purchase_documents`: the Purchase / Subcontracting Orders made on submit
- `transfers`: sending to the supplier, the stock transfers
- `receipts`: `make_receipt`, and what a receipt makes in ERPNext
- `reminders`: the daily late-return reminders; `late_returns`: the exception detector
- `outsourced_work_orders`: work orders with an operation out with a supplier
"""

from order_tracking.outsourcing.late_returns import detect_late_outsourcing_returns, late_outsourcing_facts
from order_tracking.outsourcing.order_state import OutsourcingError, refresh_order
from order_tracking.outsourcing.orders import (
	default_supplier_warehouse,
	last_rate,
	make_for_job_cards,
	make_for_order_line,
	make_from_plan,
	outsourcing_workstation,
)
from order_tracking.outsourcing.outsourced_work_orders import (
	check_work_order_not_outsourced,
	open_outsourcing_of_work_orders,
)
from order_tracking.outsourcing.receipts import make_receipt
from order_tracking.outsourcing.reminders import remind_late_returns, remind_late_returns_job

__all__ = [
	"OutsourcingError",
	"check_work_order_not_outsourced",
	"default_supplier_warehouse",
	"detect_late_outsourcing_returns",
	"last_rate",
	"late_outsourcing_facts",
	"make_for_job_cards",
	"make_for_order_line",
	"make_from_plan",
	"make_receipt",
	"open_outsourcing_of_work_orders",
	"outsourcing_workstation",
	"refresh_order",
	"remind_late_returns",
	"remind_late_returns_job",
]
