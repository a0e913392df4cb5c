"""Selection: UCT/PUCT choice, progressive widening, virtual loss, depth limit, exhaustion."""

from __future__ import annotations

import math

from sro.mcts.select import SelectParams, release, score, select, widening_limit
from sro.mcts.tree import EXPANDED, ResearchNode, Tree


def build(children: int, priors: list[float | None] | None = None, root_visits: int = 1) -> Tree:
    tree = Tree("t")
    root = tree.add(ResearchNode(id="r", parent=None, question="root?", depth=0, status=EXPANDED,
                                 reward=0.5, seq=tree.next_seq()))
    for i in range(children):
        prior = priors[i] if priors else None
        tree.add(ResearchNode(id=f"c{i}", parent="r", question=f"child {i}?", depth=1, prior=prior,
                              seq=tree.next_seq()))
    tree.rebuild_stats()
    root.visits = root_visits
    return tree


def test_widening_limit_grows_with_visits():
    assert [widening_limit(n, 2.0, 0.5) for n in (0, 1, 4, 9, 100)] == [2, 2, 4, 6, 20]
    assert widening_limit(1000, 1.0, 0.0) == 1


def test_uct_prefers_unvisited_then_balances():
    tree = build(3)
    for i, val in enumerate((0.9, 0.1)):
        node = tree.nodes[f"c{i}"]
        node.status, node.reward = EXPANDED, val
        tree.backprop(node.id, val)
    parent = tree.root
    assert score(parent, tree.nodes["c2"], 1.4, False) == math.inf
    assert score(parent, tree.nodes["c0"], 1.4, False) > score(parent, tree.nodes["c1"], 1.4, False)


def test_puct_follows_priors_within_the_widening_window():
    tree = build(5, priors=[0.1, 0.2, 0.9, 0.05, 0.4])
    params = SelectParams(widening_k=1.0, widening_alpha=0.5)
    assert select(tree, params).id == "c2"  # window of one (k*1^0.5): the highest prior


def test_virtual_loss_spreads_parallel_selections():
    tree = build(6)
    params = SelectParams(widening_k=2.0, widening_alpha=0.5)
    picked = [select(tree, params) for _ in range(4)]
    assert len({p.id for p in picked}) == 4  # four different leaves in flight
    assert tree.root.virtual == 4 and all(p.busy for p in picked)
    for p in picked:
        release(tree, p.id)
    assert tree.root.virtual == 0 and not any(p.busy for p in picked)


def test_widening_caps_open_children_without_virtual_visits():
    tree = build(6)
    params = SelectParams(widening_k=1.0, widening_alpha=0.0)  # always one open child
    first = select(tree, params)
    assert first.id == "c0"
    assert select(tree, params) is None  # the only open child is busy; the rest wait
    release(tree, "c0")
    tree.nodes["c0"].status, tree.nodes["c0"].reward = EXPANDED, 0.2
    tree.backprop("c0", 0.2)
    assert select(tree, params).id == "c1"  # c0 is exhausted (no children), the next one moves in


def test_max_depth_and_min_gain_and_exhaustion():
    tree = build(2, priors=[0.05, 0.5])
    assert select(tree, SelectParams(max_depth=0)) is None
    assert tree.root.dead  # cached until something below changes
    for cid in ("c0", "c1"):
        tree.revive(cid)
    picked = select(tree, SelectParams(min_gain=0.1))
    assert picked.id == "c1"
    assert select(tree, SelectParams(min_gain=0.1)) is None  # c0's prior is below min_gain


def test_select_scales_to_ten_thousand_nodes():
    tree = Tree("big")
    tree.add(ResearchNode(id="r", parent=None, question="q", depth=0, status=EXPANDED, reward=0.5))
    frontier = ["r"]
    i = 0
    while len(tree) < 10_000:
        parent = frontier[i % len(frontier)]
        i += 1
        for j in range(4):
            nid = f"{parent}.{j}"
            node = tree.add(ResearchNode(id=nid, parent=parent, question=nid, depth=tree.nodes[parent].depth + 1,
                                         seq=tree.next_seq(), status=EXPANDED, reward=(j + 1) / 5))
            frontier.append(nid)
        frontier = frontier[1:] if len(frontier) > 1 else frontier
    for node in list(tree)[-50:]:
        node.status, node.reward = "new", None
    tree.rebuild_stats()
    leaf = select(tree, SelectParams(max_depth=100))
    assert leaf is not None and leaf.status == "new"
