#!/usr/bin/env python3
"""Write the SYNTHETIC demo corpus: solar-panel Reddit posts and comments (Pushshift NDJSON .zst) and short
contracts (.txt). Every name, number and id here is made up; the output is deterministic (fixed seed).

    python datasets/demo/generate.py            # rewrites datasets/demo/{RS_demo.zst,RC_demo.zst,contracts/}
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent))
from contracts_text import CONTRACTS  # noqa: E402
from solar_text import comment_text, submission_text  # noqa: E402

HERE = Path(__file__).resolve().parent
SUBREDDIT = "SolarDemo"  # a made-up subreddit: permalinks are synthetic and do not exist on reddit.com
SEED = 20240611
N_SUBMISSIONS = 220
START = 1672531200  # 2023-01-01


def _id(rng: random.Random, n: int = 7) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


def _slug(title: str) -> str:
    words = "".join(c.lower() if c.isalnum() else " " for c in title).split()
    return "_".join(words[:8])


def submissions(rng: random.Random) -> list[dict]:
    out = []
    for i in range(N_SUBMISSIONS):
        title, body, flair = submission_text(rng)
        sid = _id(rng)
        created = START + i * 380_000 + rng.randint(0, 300_000)
        removed = i % 37 == 36  # a few moderator removals, skipped (and counted) at ingest
        out.append({
            "id": sid, "name": f"t3_{sid}", "title": title, "selftext": "[removed]" if removed else body,
            "author": f"demo_user_{rng.randint(1, 400)}", "created_utc": created, "score": rng.randint(0, 350),
            "subreddit": SUBREDDIT, "subreddit_id": "t5_demo1", "num_comments": 0,
            "permalink": f"/r/{SUBREDDIT}/comments/{sid}/{_slug(title)}/", "url": f"https://www.reddit.com/r/{SUBREDDIT}/comments/{sid}/{_slug(title)}/",
            "is_self": True, "over_18": False, "link_flair_text": flair, "domain": f"self.{SUBREDDIT}",
            "upvote_ratio": round(rng.uniform(0.6, 1.0), 2), "gilded": 0, "edited": False, "stickied": False,
            "locked": False, "retrieved_on": created + 86400 * 30,
        })
    return out


def comments(rng: random.Random, subs: list[dict]) -> list[dict]:
    out = []
    for sub in subs:
        parents = [sub["name"]]
        for _ in range(rng.choice([0, 1, 2, 2, 3, 3, 4])):
            cid = _id(rng)
            parent = rng.choice(parents)
            deleted = rng.random() < 0.03
            created = sub["created_utc"] + rng.randint(600, 200_000)
            out.append({
                "id": cid, "name": f"t1_{cid}", "body": "[deleted]" if deleted else comment_text(rng, sub),
                "author": "[deleted]" if deleted else f"demo_user_{rng.randint(1, 400)}",
                "created_utc": created, "score": rng.randint(-3, 120), "subreddit": SUBREDDIT,
                "subreddit_id": "t5_demo1", "link_id": sub["name"], "parent_id": parent,
                "permalink": f"/r/{SUBREDDIT}/comments/{sub['id']}/{_slug(sub['title'])}/{cid}/",
                "is_submitter": False, "controversiality": 0, "gilded": 0, "edited": False, "stickied": False,
                "retrieved_on": created + 86400 * 30,
            })
            parents.append(f"t1_{cid}")
            sub["num_comments"] += 1
    return out


def write_zst(path: Path, records: list[dict]) -> None:
    data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode("utf-8")
    path.write_bytes(zstandard.ZstdCompressor(level=10).compress(data))


def main() -> None:
    rng = random.Random(SEED)
    subs = submissions(rng)
    coms = comments(rng, subs)
    write_zst(HERE / "RS_demo.zst", subs)
    write_zst(HERE / "RC_demo.zst", coms)
    folder = HERE / "contracts"
    folder.mkdir(exist_ok=True)
    for name, text in CONTRACTS.items():
        (folder / name).write_text(text.strip() + "\n", encoding="utf-8")
    manifest = {
        "synthetic": True,
        "description": "SYNTHETIC demo corpus written by datasets/demo/generate.py; not real posts or contracts.",
        "generator": "datasets/demo/generate.py", "seed": SEED, "subreddit": SUBREDDIT,
        "files": {"RS_demo.zst": len(subs), "RC_demo.zst": len(coms),
                  **{f"contracts/{n}": 1 for n in sorted(CONTRACTS)}},
        "removed_submissions": sum(s["selftext"] == "[removed]" for s in subs),
        "deleted_comments": sum(c["body"] == "[deleted]" for c in coms),
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(subs)} submissions, {len(coms)} comments, {len(CONTRACTS)} contracts (synthetic)")


if __name__ == "__main__":
    main()
