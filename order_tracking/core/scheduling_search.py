"""The heuristic's search (`core.scheduling`): the first orders from dispatching rules, then local
improvement of the job order and of the operation order within a budget of operations placed."""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict

from order_tracking.core.scheduling_decoder import Decoder
from order_tracking.core.scheduling_model import Prepared, Schedule

LARGE = 2_000  # operations from which only the strongest dispatching rules are tried
MAX_DECODES = 20_000
PATIENCE = 1_500  # schedules decoded without a better one: the search ends


# =============================================================================== first orders


def rules(prep: Prepared) -> dict[str, list[str]]:
	"""The first job orders, by dispatching rule."""
	jobs = sorted(prep.jobs.values(), key=lambda j: j.id)
	p = {j.id: max(prep.total_minutes.get(j.id, 0), 1) for j in jobs}
	mean_p = sum(p.values()) / max(len(p), 1)
	t0 = min((j.release for j in jobs), default=0)
	by_rule = {
		"edd": sorted(jobs, key=lambda j: (j.due, -j.weight, j.id)),
		"slack": sorted(jobs, key=lambda j: (j.due - p[j.id], j.id)),
		"weighted slack": sorted(jobs, key=lambda j: ((j.due - p[j.id] - t0) / max(j.weight, 1e-9), j.id)),
		"wspt": sorted(jobs, key=lambda j: (-j.weight / p[j.id], j.due, j.id)),
		"arrival": sorted(jobs, key=lambda j: (j.arrival, j.id)),
	}
	for k in (0.5, 2.0):
		by_rule[f"atc {k}"] = sorted(
			jobs,
			key=lambda j, k=k: (
				-(j.weight / p[j.id]) * math.exp(-max(j.due - p[j.id] - t0, 0) / (k * mean_p)),
				j.due,
				j.id,
			),
		)
	if len(prep.ops) >= LARGE:
		by_rule = {k: v for k, v in by_rule.items() if k in ("edd", "weighted slack", "atc 2.0", "arrival")}
	return {name: [j.id for j in order] for name, order in by_rule.items()}


# =============================================================================== improvement


def improve_jobs(decoder: Decoder, prep: Prepared, order, current: Schedule, budget, seed, time_limit, began):
	"""Job-order moves: a late job earlier (the heavier more often), neighbours swapped, a job moved."""
	n_ops = max(len(prep.ops), 1)
	rng = random.Random(seed)
	best_order, best = list(order), current
	cur_order, cur = list(order), current
	evaluations = 0
	used = 0
	max_decodes = min(MAX_DECODES, max(budget // n_ops, 0))
	position = {j: k for k, j in enumerate(cur_order)}
	stale = 0
	improved_at = 0
	for step in range(max_decodes):
		if step - improved_at > PATIENCE:
			break
		if time_limit is not None and time.perf_counter() - began > time_limit:
			break
		if cur.cost[0] <= 0:
			break
		late = sorted(
			(j for j, t in cur.tardiness.items() if t > 0),
			key=lambda j: (-prep.jobs[j].weight * cur.tardiness[j], j),
		)
		candidate = list(cur_order)
		move = rng.random()
		if late and move < 0.7:
			# a late job earlier, the heavier ones more often
			j = late[min(int(rng.random() ** 2 * len(late)), len(late) - 1)]
			k = position[j]
			if k == 0:
				continue
			reach = max(1, min(k, int(len(candidate) * 0.2) + 2))
			new = rng.randint(k - reach, k - 1)
			candidate.insert(new, candidate.pop(k))
		elif move < 0.9:
			k = rng.randrange(len(candidate) - 1)
			candidate[k], candidate[k + 1] = candidate[k + 1], candidate[k]
		else:
			k = rng.randrange(len(candidate))
			new = rng.randrange(len(candidate))
			candidate.insert(new, candidate.pop(k))
		s = decoder.decode(candidate, cur.method)
		evaluations += 1
		used += s.placed
		if s.cost <= cur.cost:
			stale = 0 if s.cost < cur.cost else stale + 1
			cur_order, cur = candidate, s
			position = {j: k for k, j in enumerate(cur_order)}
			if s.cost < best.cost:
				best_order, best, improved_at = candidate, s, step
		else:
			stale += 1
		if stale > 400:
			# a plateau: start again from the best found
			cur_order, cur = list(best_order), best
			position = {j: k for k, j in enumerate(cur_order)}
			stale = 0
	if best is not current:
		best.method = f"{current.method}+search"
	return best_order, best, evaluations, used


def _op_graph(prep: Prepared):
	"""The free operations, per job, and their predecessors and successors among them."""
	free = [o for o in prep.ops if o not in prep.unscheduled and prep.ops[o].fixed_start is None]
	ops_of_job: dict[str, list[str]] = defaultdict(list)
	for o in free:
		ops_of_job[prep.ops[o].job].append(o)
	free_set = set(free)
	preds = {o: [p for p in prep.preds[o] if p in free_set] for o in free}
	succs: dict[str, list[str]] = defaultdict(list)
	for o, ps in preds.items():
		for p in ps:
			succs[p].append(o)
	return free, ops_of_job, preds, succs


def _op_move(rng, cur: Schedule, cur_order: list[str], ops_of_job, preds, succs) -> list[str] | None:
	"""An operation of a late job (or any, now and then) earlier — anywhere after its
	predecessors — or later, before its successors; None when it cannot move."""
	index = {o: k for k, o in enumerate(cur_order)}
	late_jobs = [j for j, t in cur.tardiness.items() if t > 0]
	if late_jobs and rng.random() < 0.8:
		j = late_jobs[rng.randrange(len(late_jobs))]
		own = ops_of_job.get(j)
		o = own[rng.randrange(len(own))] if own else cur_order[rng.randrange(len(cur_order))]
	else:
		o = cur_order[rng.randrange(len(cur_order))]
	k = index[o]
	low = max((index[p] for p in preds[o]), default=-1) + 1
	high = min((index[s_] for s_ in succs[o]), default=len(cur_order)) - 1
	if rng.random() < 0.75 and low < k:
		new = rng.randint(low, k - 1)
	elif k < high:
		new = rng.randint(k + 1, high)
	else:
		return None
	candidate = list(cur_order)
	candidate.insert(new, candidate.pop(k))
	return candidate


def improve_ops(decoder: Decoder, prep: Prepared, current: Schedule, budget, seed, time_limit, began):
	"""Operation-level moves, decoded as operation orders, with annealing. This reaches
	schedules where a later job's operation waits for an earlier one's, which job orders cannot."""
	rng = random.Random(seed + 1)
	free, ops_of_job, preds, succs = _op_graph(prep)
	if len(free) < 2:
		return current, 0, 0

	def start_order(sched: Schedule) -> list[str]:
		far = 1 << 60
		return sorted(
			free,
			key=lambda o: (sched.placements[o].start if o in sched.placements else far, prep.ops[o].job, o),
		)

	best, cur = current, current
	cur_order = start_order(cur)
	evaluations = used = 0
	max_decodes = min(MAX_DECODES, max(budget // max(len(free), 1), 0))
	stale = 0
	# annealing: worse orders are accepted now and then, less and less often
	weights = [prep.jobs[j].weight for j in prep.jobs] or [1.0]
	t_start = max(sum(weights) / len(weights) * 30.0, 1.0)
	improved_at = 0
	for step in range(max_decodes):
		if step - improved_at > PATIENCE:
			break
		temperature = t_start * (1 - step / max(max_decodes, 1)) ** 2
		if time_limit is not None and time.perf_counter() - began > time_limit:
			break
		if cur.cost[0] <= 0:
			break
		candidate = _op_move(rng, cur, cur_order, ops_of_job, preds, succs)
		if candidate is None:
			continue
		s_ = decoder.decode_ops(candidate, cur.method)
		evaluations += 1
		used += len(candidate)
		delta = s_.cost[0] - cur.cost[0]
		if s_.cost <= cur.cost or (temperature > 1e-9 and rng.random() < math.exp(-delta / temperature)):
			stale = 0 if s_.cost < cur.cost else stale + 1
			cur, cur_order = s_, candidate
			if s_.cost < best.cost:
				best, improved_at = s_, step
		else:
			stale += 1
		if stale > 300:
			cur, cur_order = best, start_order(best)
			stale = 0
	if best is not current and not best.method.endswith("+search"):
		best.method = f"{best.method}+search"
	return best, evaluations, used
