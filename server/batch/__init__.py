"""Batch coding on Ray Data (``medcoder batch``): records in, Parquet datasets out (docs/deploy.md).

``records`` codes one record with the gateway's engine (no Ray); ``sink`` writes and commits the
datasets; ``job`` reads the input, sizes the actor pools and runs the job.
"""
