"""Claims: the model, JSON and X12 837 parsing, and the compliance facade ``ClaimEngine``."""
from .engine import ClaimEngine
from .files import check_claim_files
from .model import Claim, ClaimLine, ClaimResult
from .parse import parse_claim
from .parse import parse_claim as parse_claim_dict
from .risk import denial_risk, result_to_json
from .x12 import parse_837, parse_x12_837, read_837

__all__ = ["Claim", "ClaimEngine", "ClaimLine", "ClaimResult", "check_claim_files", "denial_risk",
           "parse_837", "parse_claim", "parse_claim_dict", "parse_x12_837", "read_837", "result_to_json"]
