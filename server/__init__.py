"""medcoder gateway: ingest -> sections -> context -> code mapping -> guidelines -> rules -> response."""
