"""order_tracking.core.review: order, material and capacity checks."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from order_tracking.core import review as review_core

TODAY = date(2026, 11, 23)  # a Monday


def d(days):
	return TODAY + timedelta(days=days)


# ================================================================ order check


def test_prices_within_and_beyond_the_allowed_deviation():
	facts = review_core.OrderFacts(
		total=1000,
		lines=(
			review_core.PricedLine(1, "A", 105, 100),  # +5 %
			review_core.PricedLine(2, "B", 85, 100),  # -15 %
			review_core.PricedLine(3, "C", 50, None),  # not in the price list
			review_core.PricedLine(4, "D", 0, 0),
		),
		has_payment_terms=True,
	)
	results = review_core.check_order(facts, review_core.OrderRules(max_price_deviation_pct=10))
	by_item = {r.item_code: r for r in results if r.item_code}
	assert (by_item["A"].result, by_item["A"].code) == ("Pass", "price_ok")
	assert (by_item["B"].result, by_item["B"].code) == ("Fail", "price_deviation")
	assert by_item["B"].args[3] == -15.0
	assert (by_item["C"].result, by_item["C"].code) == ("Warn", "price_not_listed")
	assert by_item["D"].result == "Pass"


def test_deviation_exactly_at_the_threshold_passes():
	facts = review_core.OrderFacts(
		total=1, lines=(review_core.PricedLine(1, "A", 110, 100),), has_payment_terms=True
	)
	assert (
		review_core.check_order(facts, review_core.OrderRules(max_price_deviation_pct=10))[0].result == "Pass"
	)


@pytest.mark.parametrize(
	"outstanding,total,limit,expected",
	[
		(0, 500, 0, ("Pass", "no_credit_limit")),
		(400, 500, 1000, ("Pass", "credit_ok")),
		(600, 500, 1000, ("Fail", "credit_exceeded")),
	],
)
def test_credit_is_outstanding_plus_this_order_against_the_limit(outstanding, total, limit, expected):
	facts = review_core.OrderFacts(
		total=total, credit_limit=limit, outstanding=outstanding, has_payment_terms=True
	)
	credit = next(
		r for r in review_core.check_order(facts, review_core.OrderRules()) if r.subject == "credit"
	)
	assert (credit.result, credit.code) == expected
	if expected[0] == "Fail":
		assert credit.shortage == 100


def test_missing_payment_terms_fail():
	results = review_core.check_order(
		review_core.OrderFacts(total=1, has_payment_terms=False), review_core.OrderRules()
	)
	assert [(r.result, r.code) for r in results if r.subject == "terms"] == [("Fail", "terms_missing")]


def test_approval_needed_for_failures_warnings_and_large_orders():
	ok = [review_core.CheckResult("Order", "Pass", "x")]
	rules = review_core.OrderRules(approval_amount=10_000)
	assert review_core.needs_approval(ok, 9_999, rules) == (False, None)
	assert review_core.needs_approval(ok, 10_001, rules) == (True, "large_order")
	assert review_core.needs_approval([*ok, review_core.CheckResult("Material", "Warn", "y")], 1, rules) == (
		True,
		"warnings",
	)
	assert review_core.needs_approval([*ok, review_core.CheckResult("Capacity", "Fail", "z")], 1, rules) == (
		True,
		"failed_checks",
	)
	assert review_core.needs_approval(ok, 10**9, review_core.OrderRules(approval_amount=0)) == (False, None)


def test_worst_result():
	assert review_core.worst([]) == "Pass"
	assert (
		review_core.worst([review_core.CheckResult("Order", r, "c") for r in ("Pass", "Warn", "Pass")])
		== "Warn"
	)
	assert (
		review_core.worst([review_core.CheckResult("Order", r, "c") for r in ("Warn", "Fail", "Pass")])
		== "Fail"
	)


# ================================================================ material check

STOCK = frozenset({"SHOE", "UPPER", "LEATHER", "SOLE", "THREAD", "LACE", "GLUE", "BOX"})
BOMS = {
	"BOM-SHOE": review_core.Bom(
		"BOM-SHOE",
		"SHOE",
		quantity=1,
		lines=(
			review_core.BomLine("UPPER", 1, bom="BOM-UPPER"),
			review_core.BomLine("SOLE", 1),
			review_core.BomLine("LACE", 2),
			review_core.BomLine("KIT", 1, bom="BOM-KIT"),
		),
	),
	"BOM-UPPER": review_core.Bom(
		"BOM-UPPER",
		"UPPER",
		quantity=10,
		process_loss_pct=20,
		lines=(review_core.BomLine("LEATHER", 4), review_core.BomLine("THREAD", 8)),
	),
	# a phantom: the kit is not a stock item, its parts are needed directly
	"BOM-KIT": review_core.Bom(
		"BOM-KIT",
		"KIT",
		quantity=1,
		lines=(
			review_core.BomLine("GLUE", 0.5),
			review_core.BomLine("BOX", 1),
			review_core.BomLine("SERVICE", 1),
		),
	),
}
DEFAULT_BOM = {"SHOE": "BOM-SHOE", "UPPER": "BOM-UPPER", "KIT": "BOM-KIT"}


def plenty(**overrides):
	supply = {item: review_core.ItemSupply(on_hand=10_000) for item in STOCK}
	supply.update(overrides)
	return supply


def materials(lines, supply, boms=BOMS, default_bom=DEFAULT_BOM, stock=STOCK):
	return review_core.check_materials(
		lines, boms, default_bom, stock, review_core.MaterialLedger(supply, TODAY)
	)


def test_bom_explodes_through_every_level_with_process_loss_and_phantoms():
	out = materials(
		[review_core.MaterialLine(1, "SHOE", 100, d(30))],
		plenty(SHOE=review_core.ItemSupply(0), UPPER=review_core.ItemSupply(0)),
	)
	required = {n.item_code: round(n.required, 6) for n in out.needs.values()}
	# 100 uppers from a BOM of 10 with 20 % loss: 100 / (10 * 0.8) = 12.5 batches
	assert required == {
		"LEATHER": 50.0,
		"THREAD": 100.0,
		"SOLE": 100.0,
		"LACE": 200.0,
		"GLUE": 50.0,
		"BOX": 100.0,
	}
	assert {(m.item_code, m.qty) for m in out.made} == {("SHOE", 100), ("UPPER", 100), ("KIT", 100)}
	assert all(r.result == "Pass" for r in out.results)
	assert out.materials_complete_on == TODAY
	assert "SERVICE" not in out.needs  # not a stock item: no material


def test_stock_of_the_product_and_of_sub_assemblies_is_used_before_making():
	out = materials(
		[review_core.MaterialLine(1, "SHOE", 100, d(30))],
		plenty(SHOE=review_core.ItemSupply(30), UPPER=review_core.ItemSupply(50)),
	)
	made = {m.item_code: m.qty for m in out.made}
	assert made["SHOE"] == 70
	assert made["UPPER"] == 20  # 70 uppers needed, 50 in stock
	assert round(out.needs["LEATHER"].required, 6) == 10.0  # 20 / (10 * 0.8) * 4
	assert out.claims["SHOE"] == 30 and out.claims["UPPER"] == 50


def test_purchase_arriving_before_the_due_date_covers_the_shortage():
	supply = plenty(
		SHOE=review_core.ItemSupply(0),
		UPPER=review_core.ItemSupply(0),
		SOLE=review_core.ItemSupply(40, [(d(10), 100)]),
	)
	out = materials([review_core.MaterialLine(1, "SHOE", 100, d(30))], supply)
	sole = next(r for r in out.results if r.item_code == "SOLE")
	assert (sole.result, sole.required, sole.available, sole.shortage) == ("Pass", 100, 100, 0)
	assert out.materials_complete_on == d(10)


def test_supply_after_the_due_date_is_a_warning_with_its_date():
	supply = plenty(
		SHOE=review_core.ItemSupply(0),
		UPPER=review_core.ItemSupply(0),
		SOLE=review_core.ItemSupply(40, [(d(40), 30), (d(45), 100)]),
	)
	out = materials([review_core.MaterialLine(1, "SHOE", 100, d(30))], supply)
	sole = next(r for r in out.results if r.item_code == "SOLE")
	assert (sole.result, sole.code, sole.shortage, sole.on) == ("Warn", "material_late", 60, d(45))
	assert out.materials_complete_on == d(45)


def test_no_known_supply_fails_and_leaves_no_completion_date():
	out = materials(
		[review_core.MaterialLine(1, "SHOE", 100, d(30))],
		plenty(
			SHOE=review_core.ItemSupply(0), UPPER=review_core.ItemSupply(0), SOLE=review_core.ItemSupply(60)
		),
	)
	sole = next(r for r in out.results if r.item_code == "SOLE")
	assert (sole.result, sole.code, sole.shortage) == ("Fail", "material_short", 40)
	assert out.materials_complete_on is None


def test_bought_in_item_without_bom_is_netted_as_itself():
	out = materials(
		[review_core.MaterialLine(1, "LACE", 5, d(3))], plenty(LACE=review_core.ItemSupply(2, [(d(2), 2)]))
	)
	lace = out.results[0]
	assert (lace.item_code, lace.result, lace.available, lace.shortage) == ("LACE", "Fail", 4, 1)


def test_lines_share_the_same_stock_in_due_date_order():
	supply = plenty(LACE=review_core.ItemSupply(10))
	out = materials(
		[review_core.MaterialLine(2, "LACE", 8, d(9)), review_core.MaterialLine(1, "LACE", 6, d(3))], supply
	)
	assert out.needs["LACE"].required == 14
	assert out.needs["LACE"].shortage == 4


def test_do_not_explode_and_supplier_sourced_components():
	boms = {
		"B-P": review_core.Bom(
			"B-P",
			"P",
			lines=(
				review_core.BomLine("UPPER", 2, bom="BOM-UPPER", do_not_explode=True),
				review_core.BomLine("SOLE", 1, sourced_by_supplier=True),
			),
		),
		**BOMS,
	}
	out = materials(
		[review_core.MaterialLine(1, "P", 10, d(5))],
		plenty(UPPER=review_core.ItemSupply(5)),
		boms,
		{**DEFAULT_BOM, "P": "B-P"},
		STOCK | {"P"},
	)
	assert set(out.needs) == {"UPPER"}
	assert out.needs["UPPER"].shortage == 15  # bought as it is, not made


def test_bom_cycle_is_a_failure_naming_the_cycle():
	boms = {
		"B-A": review_core.Bom("B-A", "A", lines=(review_core.BomLine("B", 1, bom="B-B"),)),
		"B-B": review_core.Bom(
			"B-B", "B", lines=(review_core.BomLine("A", 1, bom="B-A"), review_core.BomLine("LACE", 1))
		),
	}
	out = materials(
		[review_core.MaterialLine(1, "A", 1, d(5))], plenty(), boms, {"A": "B-A", "B": "B-B"}, STOCK
	)
	cycle = [r for r in out.results if r.code == "bom_cycle"]
	assert len(cycle) == 1 and cycle[0].result == "Fail"
	assert cycle[0].args == ("A → B → A",)
	assert out.materials_complete_on is None


def test_missing_bom_is_a_failure():
	out = materials([review_core.MaterialLine(1, "A", 1, d(5))], plenty(), {}, {"A": "B-GONE"}, STOCK)
	assert [(r.result, r.code, r.args) for r in out.results] == [("Fail", "bom_missing", ("B-GONE", "A"))]


def test_ledger_claims_replay_earliest_supply_first():
	supply = {"X": review_core.ItemSupply(5, [(d(3), 5), (d(8), 5)])}
	ledger = review_core.MaterialLedger(supply, TODAY, claims={"X": 7})
	assert ledger.available("X", d(3)) == 3
	assert ledger.available("X", d(8)) == 8


# ================================================================ capacity check

OPS = {
	"BOM-SHOE": (
		review_core.Operation("Lasting", "Laster", None, 6),
		review_core.Operation("Setup", "Laster", None, 30, fixed=True),
	),
	"BOM-UPPER": (review_core.Operation("Stitching", None, "Sewing", 3),),
	"BOM-KIT": (),
}


def calendars(**overrides):
	cals = {
		"Laster": review_core.Calendar("Laster", 8 * 60, holidays=frozenset({d(5), d(6)}), holiday_list="HL"),
		"Sewer 1": review_core.Calendar("Sewer 1", 8 * 60, workstation_type="Sewing", holiday_list="HL"),
		"Sewer 2": review_core.Calendar("Sewer 2", 4 * 60, workstation_type="Sewing", holiday_list="HL"),
	}
	cals.update(overrides)
	return list(cals.values())


def made(shoes, uppers):
	made = [
		review_core.MadeQty("BOM-SHOE", "SHOE", shoes, d(30)),
		review_core.MadeQty("BOM-UPPER", "UPPER", uppers, d(30)),
	]
	return [m for m in made if m.qty]


def test_load_is_placed_on_the_calendar_and_gives_the_completion_date():
	ledger = review_core.CapacityLedger(calendars(), TODAY)
	# 400 shoes * 6 min + 30 min setup = 2430 min on 480 min days, weekend d5/d6 off
	out = review_core.check_capacity(made(400, 0), OPS, ledger, due=d(30))
	laster = next(r for r in out.results if r.workstation == "Laster")
	assert laster.result == "Pass"
	assert laster.load_hours == 40.5
	assert out.completion == d(7)  # days 0-4 full (2400), 5-6 holidays, 30 min on day 7


def test_workstation_type_is_a_pool_of_its_workstations():
	ledger = review_core.CapacityLedger(calendars(), TODAY)
	out = review_core.check_capacity(made(0, 240), OPS, ledger, due=d(30))
	# 720 min on Sewer 1 (480/day) + Sewer 2 (240/day): one day
	assert out.completion == TODAY
	assert out.loads == {"type:Sewing": 720}


def test_committed_load_comes_first_and_late_completion_fails():
	ledger = review_core.CapacityLedger(calendars(), TODAY, committed={"Laster": 480 * 5})
	out = review_core.check_capacity(made(75, 0), OPS, ledger, due=d(4))  # 480 minutes
	laster = next(r for r in out.results if r.workstation == "Laster")
	assert (laster.result, laster.code) == ("Fail", "capacity_late")
	assert out.completion == d(7)
	assert laster.utilisation_pct == 100.0


def test_busy_workstation_warns():
	ledger = review_core.CapacityLedger(calendars(), TODAY)
	out = review_core.check_capacity(made(385, 0), OPS, ledger, due=d(4))  # 2340 of 2400 minutes
	assert [r.code for r in out.results] == ["capacity_busy"]


def test_production_starts_when_materials_are_complete():
	ledger = review_core.CapacityLedger(calendars(), TODAY)
	out = review_core.check_capacity(made(10, 0), OPS, ledger, due=d(30), start=d(10))
	assert out.completion == d(10)


def test_bad_calendars_are_named():
	cals = calendars(
		Laster=review_core.Calendar("Laster", 0, holiday_list="HL"),
		**{"Sewer 1": review_core.Calendar("Sewer 1", 480, workstation_type="Sewing")},
	)
	ledger = review_core.CapacityLedger(cals, TODAY)
	out = review_core.check_capacity(made(10, 10), OPS, ledger, due=d(30))
	codes = {(r.code, r.subject, r.result) for r in out.results}
	assert ("no_working_hours", "Laster", "Fail") in codes
	assert ("no_holiday_list", "Sewer 1", "Warn") in codes
	assert ("no_capacity", "Laster", "Fail") in codes
	assert out.completion is None


def test_unknown_workstation_and_operation_without_workstation_fail():
	ops = {
		"BOM-SHOE": (
			review_core.Operation("Lasting", "Ghost", None, 1),
			review_core.Operation("Gluing", None, None, 1),
		)
	}
	out = review_core.check_capacity(
		made(1, 0), ops, review_core.CapacityLedger(calendars(), TODAY), due=d(3)
	)
	codes = {(r.code, r.result) for r in out.results}
	assert codes == {("workstation_unknown", "Fail"), ("operation_without_workstation", "Fail")}
	assert out.completion is None


def test_nothing_to_make_is_complete_at_the_start():
	out = review_core.check_capacity(
		[], OPS, review_core.CapacityLedger(calendars(), TODAY), due=d(3), start=d(1)
	)
	assert out.results == []
	assert out.completion == d(1)


# ================================================================ many orders


def test_review_order_feasible_date_combines_materials_and_capacity():
	supply = plenty(
		SHOE=review_core.ItemSupply(0),
		UPPER=review_core.ItemSupply(0),
		SOLE=review_core.ItemSupply(0, [(d(8), 1000)]),
	)
	order = review_core.OrderToReview("SO-1", d(30), (review_core.MaterialLine(1, "SHOE", 100, d(30)),))
	out = review_core.review_order(
		order,
		BOMS,
		DEFAULT_BOM,
		STOCK,
		OPS,
		review_core.MaterialLedger(supply, TODAY),
		review_core.CapacityLedger(calendars(), TODAY),
	)
	assert out.materials.materials_complete_on == d(8)
	assert out.feasible_on == d(9)  # 630 min of lasting from day 8: 480 + 150


@st.composite
def order_sets(draw):
	items = ["M1", "M2", "M3", "S1", "S2", "P1", "P2"]
	boms = {
		"B-S1": review_core.Bom(
			"B-S1",
			"S1",
			quantity=draw(st.sampled_from([1, 2])),
			lines=(review_core.BomLine("M1", 1), review_core.BomLine("M2", 2)),
		),
		"B-S2": review_core.Bom(
			"B-S2", "S2", lines=(review_core.BomLine("S1", 1, bom="B-S1"), review_core.BomLine("M3", 1))
		),
		"B-P1": review_core.Bom(
			"B-P1", "P1", lines=(review_core.BomLine("S2", 1, bom="B-S2"), review_core.BomLine("M1", 1))
		),
		"B-P2": review_core.Bom(
			"B-P2",
			"P2",
			process_loss_pct=10,
			lines=(review_core.BomLine("S1", 2, bom="B-S1"), review_core.BomLine("M3", 1)),
		),
	}
	default_bom = {b.item_code: name for name, b in boms.items()}
	qty = st.integers(min_value=0, max_value=60)
	supply = {
		item: review_core.ItemSupply(
			draw(qty), [(d(draw(st.integers(0, 40))), draw(qty)) for _ in range(draw(st.integers(0, 2)))]
		)
		for item in items
	}
	orders = []
	for n in range(draw(st.integers(1, 8))):
		due = d(draw(st.integers(1, 40)))
		lines = tuple(
			review_core.MaterialLine(
				i + 1, draw(st.sampled_from(["P1", "P2", "S1", "M1"])), draw(st.integers(1, 30)), due
			)
			for i in range(draw(st.integers(1, 3)))
		)
		orders.append(review_core.OrderToReview(f"SO-{n:02d}", due, lines))
	ops = {
		"B-S1": (review_core.Operation("Cut", "W1", None, 5),),
		"B-S2": (review_core.Operation("Sew", None, "Sewing", 7),),
		"B-P1": (
			review_core.Operation("Last", "W3", None, 11),
			review_core.Operation("Setup", "W3", None, 45, fixed=True),
		),
		"B-P2": (review_core.Operation("Last", "W3", None, 9),),
	}
	cals = [
		review_core.Calendar("W1", 480, holiday_list="H", holidays=frozenset({d(5), d(6)})),
		review_core.Calendar("W2a", 240, parallel=2, workstation_type="Sewing", holiday_list="H"),
		review_core.Calendar("W2b", 480, workstation_type="Sewing", holiday_list="H"),
		review_core.Calendar("W3", 420, holiday_list="H"),
	]
	committed = {"W1": draw(st.integers(0, 3000)), "W3": draw(st.integers(0, 3000))}
	return boms, default_bom, frozenset(items), supply, orders, ops, cals, committed


def key(outcome):
	def rounded(r):
		return (
			r.check,
			r.result,
			r.code,
			r.subject,
			round(r.required, 6),
			round(r.shortage, 6),
			r.on,
			r.utilisation_pct,
		)

	return (
		outcome.name,
		outcome.feasible_on,
		outcome.materials.materials_complete_on,
		sorted(map(rounded, outcome.results)),
	)


@settings(max_examples=150, deadline=None)
@given(order_sets())
def test_many_orders_at_once_equal_one_by_one_in_due_date_order(data):
	boms, default_bom, stock, supply, orders, ops, cals, committed = data
	together = review_core.review_orders(
		orders,
		boms,
		default_bom,
		stock,
		ops,
		review_core.MaterialLedger(supply, TODAY),
		review_core.CapacityLedger(cals, TODAY, committed),
	)

	one_by_one = []
	claims: dict[str, float] = {}
	booked: dict[str, dict[int, float]] = {}
	for order in sorted(orders, key=lambda o: (o.due, o.name)):
		# each order is checked on its own, after what the orders before it claimed
		out = review_core.review_order(
			order,
			boms,
			default_bom,
			stock,
			ops,
			review_core.MaterialLedger(supply, TODAY, claims=claims),
			review_core.CapacityLedger(cals, TODAY, committed, booked=booked),
		)
		one_by_one.append(out)
		for item, qty in out.materials.claims.items():
			claims[item] = claims.get(item, 0.0) + qty
		for ws, days in out.capacity.placed.items():
			for offset, minutes in days.items():
				booked.setdefault(ws, {})[offset] = booked.get(ws, {}).get(offset, 0.0) + minutes

	assert [key(o) for o in together] == [key(o) for o in one_by_one]
