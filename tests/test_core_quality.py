"""order_tracking.core.quality: the roll-up to the order and its operations, first-pass yield, the
quality hold, and the timeline's words."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_tracking.core import portal, quality
from order_tracking.core.quality import Inspection

T0 = datetime(2026, 12, 1, 8, 0)


def qi(
	name,
	status="Accepted",
	qty=10.0,
	minutes=0,
	ref=("Job Card", "JC-1"),
	op="Cutting",
	final=False,
	wo="WO-1",
):
	return Inspection(
		name=name,
		reference_type=ref[0],
		reference_name=ref[1],
		item_code="SHOE",
		status=status,
		qty=qty,
		at=T0 + timedelta(minutes=minutes),
		work_order=wo,
		operation=op,
		is_final=final,
	)


def test_roll_up_counts_inspected_accepted_rejected_and_rework():
	totals = quality.roll_up([qi("A", qty=10), qi("B", "Rejected", 4, 1, ref=("Job Card", "JC-2"))])
	assert (totals.inspected_qty, totals.accepted_qty, totals.rejected_qty) == (14, 10, 4)
	assert totals.rework_qty == 4
	assert totals.first_pass_yield == pytest.approx(100 * 10 / 14, abs=0.01)


def test_a_lot_accepted_after_rework_is_no_longer_work_to_do_but_missed_the_first_pass():
	totals = quality.roll_up([qi("A", "Rejected", 5), qi("B", "Accepted", 5, minutes=30)])
	assert totals.rework_qty == 0
	assert totals.rejected_qty == 5 and totals.inspected_qty == 10
	assert totals.first_pass_yield == 0


def test_process_loss_lowers_first_pass_yield():
	totals = quality.roll_up([qi("A", qty=9)], process_loss_qty=1)
	assert totals.first_pass_yield == 90


def test_nothing_inspected_has_no_yield():
	assert quality.roll_up([]).first_pass_yield is None
	assert quality.first_pass_yield(0, 0, 0) is None


def test_roll_up_by_operation_keeps_operations_apart_and_adds_their_loss():
	by_op = quality.roll_up_by_operation(
		[qi("A", op="Cutting"), qi("B", "Rejected", 2, op="Stitching", ref=("Job Card", "JC-2"))],
		{("WO-1", "Stitching"): 1.0, ("WO-1", "Lasting"): 3.0},
	)
	assert by_op[("WO-1", "Cutting")].first_pass_yield == 100
	assert by_op[("WO-1", "Stitching")].rejected_qty == 2
	assert by_op[("WO-1", "Stitching")].process_loss_qty == 1
	assert by_op[("WO-1", "Lasting")].inspected_qty == 0 and by_op[("WO-1", "Lasting")].first_pass_yield == 0


def test_rejected_final_inspection_holds_until_accepted_or_released():
	rejected = qi("F1", "Rejected", final=True, ref=("Delivery Note", "DN-1"), op=None)
	hold = quality.quality_hold([qi("A"), rejected])
	assert hold.on_hold and hold.inspection == "F1"
	later_ok = qi("F2", "Accepted", minutes=5, final=True, ref=("Delivery Note", "DN-1"), op=None)
	assert not quality.quality_hold([rejected, later_ok]).on_hold
	assert not quality.quality_hold([rejected], released_at=T0 + timedelta(minutes=1)).on_hold
	# a rejection after the release holds again
	again = qi("F3", "Rejected", minutes=10, final=True, ref=("Delivery Note", "DN-1"), op=None)
	assert quality.quality_hold([rejected, again], released_at=T0 + timedelta(minutes=1)).on_hold


def test_in_process_rejections_do_not_hold():
	assert not quality.quality_hold([qi("A", "Rejected")]).on_hold


@pytest.mark.parametrize(
	"reference_type, inspection_type, last_operation, final",
	[
		("Delivery Note", "Outgoing", False, True),
		("Stock Entry", "Outgoing", False, True),
		("Stock Entry", "In Process", False, False),
		("Purchase Receipt", "Incoming", False, False),
		("Job Card", "In Process", True, True),
		("Job Card", "In Process", False, False),
	],
)
def test_final_inspections(reference_type, inspection_type, last_operation, final):
	assert quality.is_final_inspection(reference_type, inspection_type, last_operation) is final


def test_timeline_words_and_the_portal_shows_only_a_passed_final_inspection():
	assert quality.timeline_event(True, False) == "Final Inspection Passed"
	assert quality.timeline_event(False, True) == "Inspection Failed"
	events = [
		portal.Event(T0, "Final Inspection Passed", "Quality Inspection", "MAT-QA-1"),
		portal.Event(T0 + timedelta(hours=1), "Final Inspection Failed", "Quality Inspection", "MAT-QA-2"),
	]
	entries = portal.customer_timeline(events)
	assert [e.kind for e in entries] == [portal.FINAL_INSPECTION_PASSED]
	assert entries[0].reference_name is None  # never an internal document


def test_release_needs_a_reason():
	with pytest.raises(ValueError):
		quality.validate_release_reason("  ")
	assert quality.validate_release_reason(" re-checked, fine ") == "re-checked, fine"


def test_operation_figures_survive_their_round_trip_and_bad_text_is_nothing():
	by_op = quality.roll_up_by_operation([qi("A", "Rejected", 3)], {("WO-1", "Cutting"): 1.0})
	decoded = quality.decode_operation_quality(quality.encode_operation_quality(by_op))
	assert decoded[("WO-1", "Cutting")] == {
		"inspected_qty": 3,
		"rejected_qty": 3,
		"process_loss_qty": 1.0,
		"first_pass_yield": 0,
	}
	assert quality.decode_operation_quality("not json") == {}
	assert quality.decode_operation_quality(None) == {}


def test_defects_by_parameter_counts_rejected_readings():
	counts = quality.defects_by_parameter(
		[("Stitch", "Rejected"), ("Stitch", "Rejected"), ("Sole", "Accepted")]
	)
	assert counts == {"Stitch": 2}


@given(st.lists(st.tuples(st.booleans(), st.floats(0, 100)), max_size=20), st.floats(0, 50))
def test_totals_add_up_and_yield_is_a_percentage(rows, loss):
	inspections = [
		qi(f"Q{i}", "Rejected" if bad else "Accepted", qty, minutes=i, ref=("Job Card", f"JC-{i % 3}"))
		for i, (bad, qty) in enumerate(rows)
	]
	totals = quality.roll_up(inspections, loss)
	assert totals.accepted_qty + totals.rejected_qty == pytest.approx(totals.inspected_qty)
	assert 0 <= totals.rework_qty <= totals.rejected_qty + 1e-9
	if totals.first_pass_yield is not None:
		assert 0 <= totals.first_pass_yield <= 100
