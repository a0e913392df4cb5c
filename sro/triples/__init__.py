"""The triple stage above extraction and judging: extract, resolve, judge and store (stage), its DuckDB
tables (store), result types, graph writing (to_graph), partition-and-map and executors, judging from a file."""
