"""Human review: the decision log, the encounter store, coder access, the review web page, and the
feedback loop (Parquet export, shadow report). See docs/review.md."""
