"""Selection: PUCT (with CEO priors) or UCT (without), progressive widening and virtual loss.

A node with N visits may hold at most k * N**alpha *live* children in its selection window (children in
prior order; exhausted subtrees drop out of the window so a dead branch does not block the next one).
N counts virtual visits too, so K parallel selections widen the root just enough to spread out.
Virtual loss: a selected leaf adds one visit with reward 0 to every node on its path until its
expansion is committed (or abandoned), which pushes the next selection elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipelines import MCTSDefaults
from sro.mcts.tree import NEW, ResearchNode, Tree

DEFAULTS = MCTSDefaults()  # the one place the planner's defaults are declared


@dataclass(frozen=True)
class SelectParams:
    exploration: float = DEFAULTS.exploration
    widening_k: float = DEFAULTS.widening_k
    widening_alpha: float = DEFAULTS.widening_alpha
    max_depth: int = DEFAULTS.max_depth
    min_gain: float = DEFAULTS.min_gain


def widening_limit(visits: int, k: float, alpha: float) -> int:
    """How many children a node with `visits` visits may hold open (at least one)."""
    return max(1, int(k * max(visits, 1) ** alpha))


def expected_gain(tree: Tree, node: ResearchNode) -> float:
    """Estimate for an unexpanded node: its CEO prior, else the mean reward of its parent's subtree."""
    if node.prior is not None:
        return node.prior
    if node.parent is None:
        return 1.0
    return tree.nodes[node.parent].mean if tree.nodes[node.parent].visits else 1.0


def expandable(tree: Tree, node: ResearchNode, params: SelectParams) -> bool:
    return (node.status == NEW and not node.busy and node.depth <= params.max_depth
            and expected_gain(tree, node) >= params.min_gain)


def score(parent: ResearchNode, child: ResearchNode, c: float, use_priors: bool) -> float:
    n_parent = parent.visits + parent.virtual
    n_child = child.visits + child.virtual
    # First-play urgency for unvisited children: the parent's mean (PUCT) or +inf (UCT).
    q = child.value_sum / n_child if n_child else None
    if use_priors:
        prior = child.prior if child.prior is not None else 0.0
        return (q if q is not None else parent.mean) + c * prior * math.sqrt(max(n_parent, 1)) / (1 + n_child)
    if q is None:
        return math.inf
    return q + c * math.sqrt(math.log(max(n_parent, 1)) / n_child)


def _window(tree: Tree, node: ResearchNode, params: SelectParams) -> list[ResearchNode]:
    live = [tree.nodes[cid] for cid in node.children if not tree.nodes[cid].dead]
    live.sort(key=lambda ch: (-(ch.prior if ch.prior is not None else 0.0), ch.seq))
    limit = widening_limit(node.visits + node.virtual, params.widening_k, params.widening_alpha)
    return live[:limit]


def _descend(tree: Tree, node: ResearchNode, params: SelectParams) -> ResearchNode | None:
    if expandable(tree, node, params):
        return node
    if node.status == NEW:  # busy, too deep, or not worth it: nothing below an unexpanded node
        if not node.busy:
            node.dead = True
        return None
    while True:
        window = _window(tree, node, params)
        use_priors = any(ch.prior is not None for ch in window)
        ranked = sorted(window, key=lambda ch: score(node, ch, params.exploration, use_priors), reverse=True)
        for child in ranked:
            found = _descend(tree, child, params)
            if found is not None:
                return found
        # Children that died in this pass left the window: look again at the ones that moved in.
        if not any(tree.nodes[cid].dead for cid in (ch.id for ch in window)):
            break
    if all(tree.nodes[cid].dead for cid in node.children):
        node.dead = True
    return None


def select(tree: Tree, params: SelectParams) -> ResearchNode | None:
    """The next node to expand, with virtual loss applied along its path; None if nothing is selectable
    right now (in-flight expansions may still add children)."""
    if tree.root_id is None:
        return None
    leaf = _descend(tree, tree.root, params)
    if leaf is not None:
        apply_virtual_loss(tree, leaf)
    return leaf


def apply_virtual_loss(tree: Tree, leaf: ResearchNode) -> None:
    leaf.busy = True
    for node in tree.path(leaf.id):
        node.virtual += 1


def release(tree: Tree, leaf_id: str) -> None:
    """Undo the virtual loss of a finished or abandoned expansion; its ancestors may be live again."""
    leaf = tree.nodes[leaf_id]
    leaf.busy = False
    for node in tree.path(leaf_id):
        node.virtual = max(0, node.virtual - 1)
        node.dead = False


def best_path(tree: Tree) -> list[ResearchNode]:
    """Most visited child at each level (ties by mean): the branch the search believes in."""
    if tree.root_id is None:
        return []
    path = [tree.root]
    while path[-1].children:
        kids = [tree.nodes[c] for c in path[-1].children if tree.nodes[c].visits]
        if not kids:
            break
        path.append(max(kids, key=lambda n: (n.visits, n.mean)))
    return path
