"""Which values of each result file the numbers page shows, and how they are labelled.

A metric is (label, path into the JSON, key in the file's `targets`, comparison for a bare-number target).
A dict is a table of records; a string is a paragraph. Paths that a file does not have are skipped.
"""

from __future__ import annotations

TITLES = {
    "bench_datasets": "Datasets: ingest and search",
    "bench_llm": "LLM client",
    "bench_rlm": "RLM engine",
    "bench_graph": "Graph store",
    "sparql_conformance": "SPARQL 1.1 conformance",
    "bench_triples": "Triples: extraction, judging, resolution",
    "eval_webnlg": "WebNLG: extractor and judge quality",
    "eval_cuad": "CUAD: contract extraction quality (offline)",
    "eval_essays": "Plain text: coverage of encyclopedic essays (offline)",
    "eval_solar": "r/TeslaSolar: offline campaign on real posts",
    "bench_campaign": "Campaigns",
}

SIZES = ("1e+04", "1e+05", "1e+06", "1e+07", "1e+08")

LAYOUT: dict[str, list] = {
    "bench_datasets": [
        "Our `reddit-dump` ingest against DuckDB's own `read_ndjson` (`CREATE TABLE AS SELECT *`) on the same "
        "synthetic Pushshift file, in the same run; each phase in its own process.",
        [("posts in the file", ("n_posts",)), ("file size (MB)", ("file_mb",)),
         ("ingest, posts/s", ("ingest_posts_per_s",)),
         ("DuckDB `read_ndjson`, posts/s", ("duckdb_read_ndjson_posts_per_s",)),
         ("ingest / read_ndjson (wall time)", ("ingest_ratio",), "ingest_ratio"),
         ("ingest / read_ndjson (CPU time)", ("ingest_cpu_ratio",)),
         ("peak RSS of the ingest (MB)", ("peak_rss_mb",), "peak_rss_mb"),
         ("database file before the search index (MB)", ("db_mb",)),
         ("database file with the search index (MB)", ("db_with_index_mb",)),
         ("DuckDB's own table of the raw file (MB)", ("duckdb_baseline_db_mb",)),
         ("search index build (s)", ("fts_build_s",)),
         ("BM25 top-10 p50 (ms)", ("bm25_p50_ms",), "bm25_p50_ms"),
         ("BM25 top-10 p95 (ms)", ("bm25_p95_ms",)), ("grep p50 (ms)", ("grep_p50_ms",)),
         ("load average at the end", ("load_avg_1m_end",))],
    ],
    "bench_llm": [
        "2,000 worker calls at concurrency 32 against the loopback server with 100 ms latency. `ratio` is wall "
        "time over the ideal (6.25 s); the floor is bare aiohttp making the same calls in the same run. "
        "Overhead is our call's p50 minus a bare HTTP round trip.",
        [("default configuration (`auto` → direct): wall / ideal", ("ratio",), "ratio", "<="),
         ("floor (bare aiohttp)", ("raw_http_ratio",)),
         ("client CPU per call (ms)", ("cpu_ms_per_call",)),
         ("client overhead p50 (ms)", ("overhead_ms_p50",), "overhead_ms_p50", "<"),
         ("fully cached rerun (s)", ("cached_rerun_s",), "cached_rerun_s", "<"),
         ("`transport = \"litellm\"`: wall / ideal", ("litellm", "ratio"), "ratio", "<="),
         ("`litellm`: floor", ("litellm", "raw_http_ratio")),
         ("`litellm`: client CPU per call (ms)", ("litellm", "cpu_ms_per_call")),
         ("`litellm`: client overhead p50 (ms)", ("litellm", "overhead_ms_p50"), "overhead_ms_p50", "<"),
         ("`litellm`: fully cached rerun (s)", ("litellm", "cached_rerun_s"), "cached_rerun_s", "<"),
         ("load average", ("load_avg_1m",))],
    ],
    "bench_rlm": [
        "The largest root prompt of a session over synthetic corpora of 10^4 to 10^8 characters (the larger of "
        "the offline policy and a scripted root that floods its output on purpose), a needle-in-a-haystack "
        "task, and the sandbox's own costs.",
        [*[(f"largest root prompt at {s.replace('1e+0', '10^')} chars (tokens)", ("root_prompt_tokens_max", s),
            "root_prompt_tokens_max", "<") for s in SIZES],
         ("needle found at 10^8 chars, offline policy", ("niah_solved_at_1e8", "offline")),
         ("needle found at 10^8 chars, scripted root", ("niah_solved_at_1e8", "scripted_root")),
         ("sandbox start, median of 10 (ms)", ("sandbox_start_ms",), "sandbox_start_ms", "<"),
         ("sandbox start, max (ms)", ("sandbox_start_ms_max",)),
         ("trivial step round trip p50 (ms)", ("step_roundtrip_ms_p50",), "step_roundtrip_ms_p50", "<"),
         ("primitive call overhead p50 (ms)", ("primitive_overhead_ms_p50",), "primitive_overhead_ms_p50", "<")],
    ],
    "bench_graph": [
        "Our load with full provenance against a raw pyoxigraph `bulk_load` of the same quads, queries at full "
        "size, and the same queries against rdflib in memory on the first 20,000 facts.",
        [("facts", ("n_triples",)), ("quads", ("quads",)), ("quads per fact", ("quads_per_fact",)),
         ("our load, facts/s", ("load_triples_per_s",)), ("our load, quads/s", ("load_quads_per_s",)),
         ("raw pyoxigraph bulk load, facts/s", ("raw_oxigraph_load_triples_per_s",)),
         ("load ratio (ours / raw)", ("load_ratio",), "load_ratio", ">="),
         ("disk after `optimize()` (MB)", ("disk_mb",)), ("optimize (s)", ("optimize_seconds",)),
         ("p50 at full size: facts of a subject above a score (ms)", ("queries_full_n_p50_ms", "by_score_for_subject")),
         ("p50 at full size: facts of a document with quotes (ms)",
          ("queries_full_n_p50_ms", "facts_of_document_with_quotes")),
         ("p50 at full size: count per predicate (ms)", ("queries_full_n_p50_ms", "count_per_predicate")),
         ("speed-up vs rdflib: subject above a score",
          ("rdflib_comparison", "queries", "by_score_for_subject", "speedup")),
         ("speed-up vs rdflib: document with quotes",
          ("rdflib_comparison", "queries", "facts_of_document_with_quotes", "speedup")),
         ("speed-up vs rdflib: count per predicate",
          ("rdflib_comparison", "queries", "count_per_predicate", "speedup")),
         ("smallest speed-up vs rdflib", ("min_query_speedup_vs_rdflib",), "min_query_speedup_vs_rdflib", ">="),
         ("mean load average", ("load_average", "mean"))],
    ],
    "sparql_conformance": [
        "W3C SPARQL 1.1 query-evaluation tests through `store.query` on the embedded store; the failures are "
        "listed with their reasons in the JSON.",
        [("passed", ("passed",)), ("failed", ("failed",)), ("skipped", ("skipped",)), ("total", ("total",)),
         ("syntax tests passed", ("syntax_tests", "passed")), ("syntax tests", ("syntax_tests", "total"))],
    ],
    "bench_triples": [
        "400 Reddit chunks (generic pipeline, spaCy SVO) and 800 CUAD chunks (legal_contracts, patterns "
        "only); one warm-up pass, then the median of 3 runs on fresh parse caches.",
        [("offline extraction, chunks/s", ("extract_chunks_per_s",)),
         ("offline extraction, chunks per CPU-second", ("extract_chunks_per_cpu_s",)),
         ("parsing processes", ("nlp_processes",)),
         ("patterns only (legal_contracts), chunks/s", ("extract_legal_patterns", "chunks_per_s")),
         ("offline judging, candidates/s (cached parses)", ("judge_candidates_per_s",)),
         ("judging quotes nobody parsed (the LLM path), candidates/s", ("judge_unparsed_candidates_per_s",)),
         ("resolving 100,000 mentions incl. the alias-table write (s)", ("resolve_100k_mentions_s",)),
         ("load average at the start", ("load_average_at_start",))],
    ],
    "eval_webnlg": [
        "WebNLG 2020 entries: the judge on the gold triples and on three kinds of corrupted ones; the offline "
        "extractor against the gold triples (partial match, predicate via ontology mapping).",
        [("entries", ("n_entries",)), ("gold triples", ("n_gold_triples",)),
         ("judge: correct triples accepted", ("judge", "correct_accepted")),
         ("judge: rejected, quote from another entry", ("judge", "wrong_rejected_by_kind", "other_sentence")),
         ("judge: rejected, subject/object swapped", ("judge", "wrong_rejected_by_kind", "swapped")),
         ("judge: rejected, object replaced", ("judge", "wrong_rejected_by_kind", "replaced_object")),
         ("offline extractor precision (partial)", ("offline", "precision")),
         ("offline extractor recall (partial)", ("offline", "recall")),
         ("offline extractor F1 (partial)", ("offline", "f1")),
         ("offline extractor F1 (exact)", ("offline", "exact", "f1")),
         ("offline extractor F1 (subject + object only)", ("offline", "so_only", "f1"))],
    ],
    "eval_cuad": [
        "Real CUAD contracts through the real `TripleStage` (patterns → resolution → judge → graph); only "
        "accepted triples count. Accuracy is the share of contracts whose answer equals the gold answer.",
        {"path": ("offline",), "key": "category", "title": "",
         "columns": [("accuracy", "accuracy"), ("precision", "precision"), ("recall", "recall"),
                     ("answered", "n_answered"), ("gold answers", "n_gold")]},
        [("contracts scored", ("n_contracts",)), ("chunks", ("offline_run", "stage", "chunks")),
         ("candidates", ("offline_run", "stage", "candidates")), ("accepted", ("offline_run", "stage", "accepted")),
         ("conflicts (functional predicate, two values)", ("offline_run", "stage", "conflicts")),
         ("rejected", ("offline_run", "stage", "rejected")),
         ("extraction and judging (s)", ("offline_run", "stage", "seconds"))],
    ],
    "eval_essays": [
        "32 synthetic encyclopedic essays on common-noun topics (`datasets/essays/`, split by topic): the share "
        "of their hand-written reference facts that an accepted triple matches (`experiments/eval_essays.py`: "
        "head-noun lemmas of subject and object, the reference's `of` complement, the predicate's main verb). "
        "Rules were developed on tune only; before = main before the plain-text work.",
        [("test: coverage after", ("after", "test", "coverage")),
         ("test: coverage before", ("before", "test", "coverage")),
         ("test: essays with an accepted fact, after", ("after", "test", "essays_with_accepted_fact")),
         ("test: essays with an accepted fact, before", ("before", "test", "essays_with_accepted_fact")),
         ("tune: coverage after", ("after", "tune", "coverage")),
         ("tune: coverage before", ("before", "tune", "coverage")),
         ("test: reference facts", ("after", "test", "reference_facts")),
         ("test: accepted triples", ("after", "test", "accepted"))],
    ],
    "eval_solar": [
        "557 real r/TeslaSolar posts of 2025: an offline campaign (`sro run`), then a sweep of `TripleStage` "
        "over every chunk. `solar_sample.csv` beside the JSON holds 100 random accepted triples to check by hand.",
        [("posts", ("posts",)), ("campaign: nodes expanded", ("campaign", "nodes_expanded")),
         ("campaign: accepted (run summary)", ("campaign", "accepted")),
         ("campaign: accepted candidates", ("campaign_accepted",)),
         ("campaign: on ontology predicates", ("campaign_accepted_ontology_predicates",)),
         ("campaign: distinct posts cited by its report", ("campaign_report_distinct_posts_cited",)),
         ("campaign (s)", ("campaign", "elapsed_s")),
         ("campaign + sweep: accepted candidates", ("accepted",)),
         ("campaign + sweep: distinct triples", ("distinct_triples",)),
         ("campaign + sweep: on ontology predicates", ("accepted_ontology_predicates",)),
         ("campaign + sweep: posts with an accepted fact", ("distinct_posts_with_accepted",)),
         ("report after the sweep: distinct posts cited", ("report_distinct_posts_cited",))],
    ],
    "bench_campaign": [
        "An offline campaign on the real posts end to end; the planner's own overhead on a 10,000-node tree; "
        "K=4 against K=1 with a scripted CEO and worker on the loopback server at 100 ms per call.",
        [("offline campaign on 557 real posts, ingest + campaign + report (s)", ("offline_real_posts_s",),
          "offline_real_posts_s", "<"),
         ("triples accepted in that campaign", ("real_posts", "accepted")),
         ("MCTS overhead per node at 10k nodes (ms)", ("mcts_overhead_ms_per_node_at_10k",),
          "mcts_overhead_ms_per_node_at_10k", "<"),
         ("parallel speed-up K=4 vs K=1", ("parallel_speedup_k4",), "parallel_speedup_k4", ">="),
         ("K=1 (s)", ("parallel", "k1_s")), ("K=4 (s)", ("parallel", "k4_s")),
         ("same with `transport = \"litellm\"`", ("parallel_speedup_k4_litellm",)),
         ("runner only (an expander that only makes the LLM calls)", ("runner_only_speedup_k4",))],
    ],
}
