"""The medcoder contract (protobuf), its generated stubs, the Python SDK and the `medcoder` CLI."""
