"""Shared NLP below both extraction and judging: the spaCy parser and its worker pool (nlp, parse_worker,
numpy_ops, fastrules), sentences, candidate types (models), keys and predicate mapping."""
