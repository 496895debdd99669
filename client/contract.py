"""The generated contract, re-exported under short names: ``pb`` (messages) and ``pb_grpc`` (stubs)."""
from client.proto.medcoder.v1 import coding_pb2 as pb
from client.proto.medcoder.v1 import coding_pb2_grpc as pb_grpc

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["CodingService"].full_name

__all__ = ["pb", "pb_grpc", "SERVICE_NAME"]
